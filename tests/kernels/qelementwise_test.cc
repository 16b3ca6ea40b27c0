// INT8 element-wise kernels, pooling and concat: ONNX rounding on known values, every ISA's
// table against the scalar reference, and the same bytes for 1 and 2 threads.
#include "kernels/qelementwise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/qgemm_test_util.h"
#include "kernels/qpool.h"
#include "kernels/ref/qelementwise_ref.h"
#include "kernels/x86/quantize_kernels.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

using testing::random_floats;
using testing::random_ints;

TEST(QElementwise, QuantizeRoundsHalfToEvenAndSaturates) {
  ThreadPool pool(1);
  std::vector<float> x{0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.f, -1000.f, std::numeric_limits<float>::infinity(), 0.49f};
  std::vector<uint8_t> u(x.size());
  quantize_f32_u8(x.data(), int64_t(x.size()), 1.0f, 10, u.data(), pool);
  EXPECT_EQ(u, (std::vector<uint8_t>{10, 12, 12, 10, 8, 255, 0, 255, 10}));
  std::vector<int8_t> s(x.size());
  quantize_f32_s8(x.data(), int64_t(x.size()), 1.0f, 0, s.data(), pool);
  EXPECT_EQ(s, (std::vector<int8_t>{0, 2, 2, 0, -2, 127, -128, 127, 0}));
  std::vector<float> back(x.size());
  dequantize_u8_f32(u.data(), int64_t(u.size()), 0.5f, 10, back.data(), pool);
  EXPECT_EQ(back[1], 1.0f);
  EXPECT_EQ(back[6], -5.0f);
  EXPECT_THROW(quantize_f32_u8(x.data(), 1, 0.0f, 0, u.data(), pool), Error);
  EXPECT_THROW(quantize_f32_u8(x.data(), 1, NAN, 0, u.data(), pool), Error);
}

class QElementwiseIsa : public ::testing::TestWithParam<std::string> {};

TEST_P(QElementwiseIsa, QuantizeDequantizeMatchReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  std::mt19937 rng(3);
  for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 100, 1023}) {
    auto x = random_floats(rng, n, -300.f, 300.f);
    for (int64_t i = 0; i < n; i += 5) x[i] = std::nearbyint(x[i]) + 0.5f;  // ties
    if (n > 3) x[1] = NAN, x[2] = -std::numeric_limits<float>::infinity();
    for (float scale : {1.0f, 0.37f, 2.5f})
      for (int32_t zp : {0, 128, 255, 3}) {
        std::vector<uint8_t> got(n), want(n);
        t.quantize_u8(n, x.data(), scale, zp, got.data());
        quantize_f32__ref<uint8_t>(n, x.data(), scale, zp, want.data());
        ASSERT_EQ(got, want) << "n=" << n << " scale=" << scale << " zp=" << zp;
        std::vector<int8_t> gs(n), ws(n);
        t.quantize_s8(n, x.data(), scale, zp - 128, gs.data());
        quantize_f32__ref<int8_t>(n, x.data(), scale, zp - 128, ws.data());
        ASSERT_EQ(gs, ws);
        std::vector<float> gf(n), wf(n);
        t.dequantize_u8(n, got.data(), scale, zp, gf.data());
        dequantize_f32__ref<uint8_t>(n, got.data(), scale, zp, wf.data());
        ASSERT_EQ(gf, wf);
        t.dequantize_s8(n, gs.data(), scale, zp - 128, gf.data());
        dequantize_f32__ref<int8_t>(n, gs.data(), scale, zp - 128, wf.data());
        ASSERT_EQ(gf, wf);
      }
  }
}

TEST_P(QElementwiseIsa, AddAndRequantizeMatchReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  std::mt19937 rng(5);
  for (int64_t n : {1, 15, 16, 17, 63, 1000}) {
    std::vector<uint8_t> a(n), b(n);
    for (int64_t i = 0; i < n; ++i) a[i] = uint8_t(rng()), b[i] = uint8_t(rng());
    a[0] = 255, b[0] = 255;  // the saturation corner
    for (int32_t zp : {0, 128, 255, 7})
      for (float m : {0.5f, 0.37f, 1.75f, 0.0039f}) {
        std::vector<uint8_t> got(n), want(n);
        t.qadd_u8(n, a.data(), zp, m, b.data(), 255 - zp, 0.5f * m + 0.01f, zp / 2, got.data());
        qadd_u8__ref(n, a.data(), zp, m, b.data(), 255 - zp, 0.5f * m + 0.01f, zp / 2, want.data());
        ASSERT_EQ(got, want) << "add n=" << n << " zp=" << zp << " m=" << m;
        t.requantize_u8(n, a.data(), zp, m, 255 - zp, got.data());
        requantize_u8__ref(n, a.data(), zp, m, 255 - zp, want.data());
        ASSERT_EQ(got, want) << "requantize n=" << n << " zp=" << zp << " m=" << m;
      }
  }
  // Exact ties of the rounding: (a - zp) * 0.5 hits .5 for odd differences.
  std::vector<uint8_t> a(256), b(256, 0), got(256), want(256);
  for (int i = 0; i < 256; ++i) a[i] = uint8_t(i);
  t.qadd_u8(256, a.data(), 0, 0.5f, b.data(), 0, 0.5f, 0, got.data());
  qadd_u8__ref(256, a.data(), 0, 0.5f, b.data(), 0, 0.5f, 0, want.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(got[5], 2);  // 2.5 rounds to even
}

TEST_P(QElementwiseIsa, MulWithBroadcastStepsMatchesReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  std::mt19937 rng(9);
  for (int64_t n : {1, 7, 8, 15, 16, 17, 63, 1000}) {
    auto a = random_ints<uint8_t>(rng, n, 0, 255), b = random_ints<uint8_t>(rng, n, 0, 255);
    a[0] = 0, b[0] = 255;  // the largest product magnitude: 255 * 255 with zero points 255 / 0
    for (auto [a_step, b_step] : {std::pair{1, 1}, {1, 0}, {0, 1}, {0, 0}})
      for (int32_t zp : {0, 128, 255})
        for (float m : {0.5f, 0.0037f, 1.75f, 1e-5f}) {
          std::vector<uint8_t> got(n), want(n);
          t.qmul_u8(n, a.data(), a_step, 255 - zp, b.data(), b_step, zp, m, zp / 2, got.data());
          qmul_u8__ref(n, a.data(), a_step, 255 - zp, b.data(), b_step, zp, m, zp / 2, want.data());
          ASSERT_EQ(got, want) << "n=" << n << " steps " << a_step << "," << b_step << " zp=" << zp << " m=" << m;
        }
  }
}

TEST_P(QElementwiseIsa, LookupMatchesReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const std::string isa = GetParam();
  std::mt19937 rng(13);
  std::vector<uint8_t> table(256);
  for (auto& v : table) v = uint8_t(rng());
  // The table's kernel, and on AVX-512 the vpshufb one too where the CPU picked VBMI for the table.
  std::vector<decltype(KernelTable::lookup_u8)> fns = {kernels_for(isa).lookup_u8};
  if (isa == "avx512bw" || isa == "avx512vnni") fns.push_back(lookup_u8__avx512bw);
  if (isa == "avx2" || isa == "avxvnni") fns.push_back(lookup_u8__avx2);
  for (auto fn : fns)
    for (int64_t n : {0, 1, 31, 32, 33, 63, 64, 65, 256, 1000}) {
      auto x = random_ints<uint8_t>(rng, n, 0, 255);
      for (int64_t i = 0; i < n && i < 256; ++i) x[i] = uint8_t(i);  // every code
      std::vector<uint8_t> got(n + 1, 77), want(n);
      fn(n, x.data(), table.data(), got.data());
      lookup_u8__ref(n, x.data(), table.data(), want.data());
      EXPECT_EQ(got[n], 77) << "wrote past the end, n=" << n;
      got.resize(n);
      ASSERT_EQ(got, want) << "n=" << n;
    }
}

INSTANTIATE_TEST_SUITE_P(QElementwise, QElementwiseIsa, ::testing::ValuesIn(testing::all_isas()),
                         testing::isa_param_name);

TEST(QElementwise, AddMulRequantizeFollowTheFloatFormula) {
  ThreadPool pool(2);
  std::mt19937 rng(11);
  const int64_t n = 40000;  // several tasks
  auto a = random_ints<uint8_t>(rng, n, 0, 255), b = random_ints<uint8_t>(rng, n, 0, 255);
  std::vector<uint8_t> add(n), mul(n), req(n);
  qadd_u8(a.data(), 0.1f, 128, b.data(), 0.05f, 7, n, 0.2f, 100, add.data(), pool);
  qmul_u8_segment(n, a.data(), 1, 128, b.data(), 1, 7, qmul_multiplier(0.1f, 0.05f, 0.2f), 100, mul.data());
  requantize_u8(a.data(), n, 0.1f, 128, 0.3f, 50, req.data(), pool);
  for (int64_t i = 0; i < n; ++i) {
    double ra = 0.1 * (a[i] - 128), rb = 0.05 * (b[i] - 7);
    // One quantization step of the output at most: the float formula may round ties differently.
    ASSERT_NEAR(add[i], std::clamp(std::nearbyint((ra + rb) / 0.2) + 100, 0.0, 255.0), 1) << i;
    ASSERT_NEAR(mul[i], std::clamp(std::nearbyint(ra * rb / 0.2) + 100, 0.0, 255.0), 1) << i;
    ASSERT_NEAR(req[i], std::clamp(std::nearbyint(ra / 0.3) + 50, 0.0, 255.0), 1) << i;
  }
  std::vector<uint8_t> add1(n);
  ThreadPool one(1);
  qadd_u8(a.data(), 0.1f, 128, b.data(), 0.05f, 7, n, 0.2f, 100, add1.data(), one);
  EXPECT_EQ(add, add1);
}

TEST(QElementwise, ConcatCopiesOrRequantizes) {
  ThreadPool pool(2);
  std::vector<uint8_t> a{10, 20, 30, 40}, b{100, 200};
  QConcatInput in[] = {{a.data(), 2, 0.5f, 10}, {b.data(), 1, 1.0f, 100}};  // outer 2, inner 1
  std::vector<uint8_t> y(6);
  qconcat_u8(in, 2, 1, 0.5f, 10, y.data(), pool);
  // b: (100 - 100) * 1 / 0.5 + 10 = 10; (200 - 100) / 0.5 + 10 = 210.
  EXPECT_EQ(y, (std::vector<uint8_t>{10, 20, 10, 30, 40, 210}));
}

TEST(QPool, MaxAndGlobalAverage) {
  ThreadPool pool(2);
  Pool2dShape s;
  s.in_h = 3, s.in_w = 3, s.channels = 2, s.kernel_h = s.kernel_w = 2, s.stride_h = s.stride_w = 2;
  s.pad_bottom = s.pad_right = 1;
  std::vector<uint8_t> x(18);
  for (int i = 0; i < 18; ++i) x[i] = uint8_t(i * 10);
  std::vector<uint8_t> y(2 * 2 * 2);
  qmaxpool2d_u8_nhwc(x.data(), s, y.data(), pool);
  EXPECT_EQ(y, (std::vector<uint8_t>{80, 90, 100, 110, 140, 150, 160, 170}));
  std::vector<uint8_t> g(2);
  qglobal_avgpool_u8_nhwc(x.data(), 1, 9, 2, 1.0f, 0, 2.0f, 5, g.data(), pool);
  EXPECT_EQ(g[0], 45);  // mean of 0, 20, ..., 160 is 80; 80 / 2 + 5
  EXPECT_EQ(g[1], 50);  // mean of 10, 30, ..., 170 is 90
  s.kernel_h = 5;
  EXPECT_THROW(qmaxpool2d_u8_nhwc(x.data(), s, y.data(), pool), Error);
}

}  // namespace
}  // namespace octet::kernels
