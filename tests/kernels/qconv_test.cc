// INT8 convolution (1x1, im2col, grouped, depthwise) of every ISA path against a direct loop.
#include "kernels/qconv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "kernels/qgemm_test_util.h"
#include "kernels/ref/qelementwise_ref.h"
#include "kernels/ref/qgemm_ref.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

using testing::random_floats;
using testing::random_ints;
using Kind = EpilogueParams::Kind;

// acc[m][oc] = sum over taps and group channels of (x - x_zp) * (w - w_zp), padding = real 0.
std::vector<int32_t> direct_conv(const Conv2dShape& s, const std::vector<uint8_t>& x, uint8_t x_zp,
                                 const std::vector<int8_t>& w, const std::vector<int8_t>& w_zp) {
  const int64_t oh = s.out_h(), ow = s.out_w(), cg = s.in_c / s.groups, ocg = s.out_c / s.groups;
  std::vector<int32_t> acc(s.batch * oh * ow * s.out_c, 0);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t oc = 0; oc < s.out_c; ++oc) {
          int32_t sum = 0, zw = w_zp.empty() ? 0 : w_zp[w_zp.size() == 1 ? 0 : oc];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t ky = 0; ky < s.kernel_h; ++ky)
              for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
                int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
                int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
                if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                int32_t xv = x[((b * s.in_h + iy) * s.in_w + ix) * s.in_c + oc / ocg * cg + c];
                int32_t wv = w[((oc * cg + c) * s.kernel_h + ky) * s.kernel_w + kx];
                sum += (xv - x_zp) * (wv - zw);
              }
          acc[((b * oh + oy) * ow + ox) * s.out_c + oc] = sum;
        }
  return acc;
}

// Weight codes -w_max..w_max (7-bit weights: 64, which packing runs on KernelTable::qgemm_7bit).
void check(const std::string& isa, const Conv2dShape& s, uint8_t x_zp, bool w_zp_per_channel, Kind kind, int threads,
           std::mt19937& rng, int8_t w_max = 127) {
  SCOPED_TRACE(cat(isa, " in ", s.batch, "x", s.in_h, "x", s.in_w, "x", s.in_c, " out_c ", s.out_c, " k ", s.kernel_h,
                   "x", s.kernel_w, " stride ", s.stride_h, " dil ", s.dilation_h, " pads ", s.pad_top, s.pad_left,
                   s.pad_bottom, s.pad_right, " groups ", s.groups, " x_zp ", int(x_zp), " kind ", int(kind),
                   " threads ", threads));
  auto x = random_ints<uint8_t>(rng, s.batch * s.in_h * s.in_w * s.in_c, 0, 255);
  auto w = random_ints<int8_t>(rng, s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w, -w_max, w_max);
  std::vector<int8_t> w_zp = w_zp_per_channel ? random_ints<int8_t>(rng, s.out_c, -20, 20) : std::vector<int8_t>{};
  auto scale = random_floats(rng, s.out_c, 1e-4f, 1e-2f);
  auto bias = random_ints<int32_t>(rng, s.out_c, -5000, 5000);
  auto bias_f = random_floats(rng, s.out_c, -1.f, 1.f);
  const int64_t M = s.batch * s.out_h() * s.out_w(), ldo = s.out_c + 3;  // a wider output row
  const size_t elem = kind == Kind::dequant_f32 ? 4 : 1;
  std::vector<uint8_t> got(M * ldo * elem, 0), want(M * ldo * elem, 0);
  auto make = [&](std::vector<uint8_t>& out) {
    return kind == Kind::dequant_f32
               ? Epilogue::dequantize(reinterpret_cast<float*>(out.data()), ldo, 0.5f, scale, bias_f)
               : Epilogue::requantize_u8(out.data(), ldo, scale, 100, bias, 100);
  };
  Epilogue ep = make(got);
  PackedConvWeights pw = pack_conv_weights_s8(w.data(), s, w_zp, kernels_for(isa));
  ThreadPool pool(threads);
  qconv2d_u8s8_nhwc(x.data(), x_zp, pw, ep, pool);

  Epilogue wep = make(want);
  ResolvedEpilogue r = resolve_epilogue(wep, s.out_c);
  EpilogueParams p = r.params();
  std::vector<int32_t> acc = direct_conv(s, x, x_zp, w, w_zp);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < s.out_c; ++n) qgemm_epilogue_one__ref(acc[m * s.out_c + n], m, n, p);
  ASSERT_EQ(got, want);
}

class QconvIsa : public ::testing::TestWithParam<std::string> {};

TEST_P(QconvIsa, RandomConvolutionsMatchDirectLoop) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  std::mt19937 rng(99);
  auto r = [&](int lo, int hi) { return int64_t(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  const uint8_t zps[] = {0, 128, 255, 77};
  for (int i = 0; i < 90; ++i) {
    Conv2dShape s;
    // Rows up to 17 pixels: im2col blocks (tiles of 8 rows) start and end mid-row.
    s.batch = r(1, 2), s.in_h = r(1, 9), s.in_w = r(1, 17);
    int64_t k = std::vector<int64_t>{1, 3, 5}[i % 3];
    s.kernel_h = s.kernel_w = k;
    s.stride_h = s.stride_w = r(1, 2);
    s.dilation_h = s.dilation_w = i % 7 == 3 ? 2 : 1;
    s.pad_top = r(0, 2), s.pad_left = r(0, 2), s.pad_bottom = r(0, 2), s.pad_right = r(0, 2);
    if (i % 6 == 0) s.stride_h = s.stride_w = 1, s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 0;
    s.groups = std::vector<int64_t>{1, 1, 2, 3}[i % 4];
    s.in_c = s.groups * r(1, 20), s.out_c = s.groups * r(1, 40);
    if (i % 5 == 4) s.groups = s.in_c = s.out_c = r(2, 70);  // depthwise
    if (s.in_h + s.pad_top + s.pad_bottom <= s.dilation_h * (k - 1) ||
        s.in_w + s.pad_left + s.pad_right <= s.dilation_w * (k - 1))
      continue;  // the kernel does not fit
    check(GetParam(), s, zps[i % 4], i % 2 == 1, Kind(i % 3 == 2 ? 2 : 0), 1 + i % 2, rng, i % 8 == 5 ? 64 : 127);
    if (HasFatalFailure()) return;
  }
}

// 7-bit weights (-64..64) put the GEMM on the 7-bit path, exact against full-range activations.
TEST_P(QconvIsa, SevenBitWeightsRunTheSevenBitPathExactly) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& table = kernels_for(GetParam());
  Conv2dShape s;
  s.in_h = s.in_w = 9, s.in_c = 40, s.out_c = 48, s.kernel_h = s.kernel_w = 3, s.pad_top = s.pad_left = 1;
  s.pad_bottom = s.pad_right = 1;
  std::vector<int8_t> w(s.out_c * s.in_c * 9, 64);
  w[5] = -64;
  EXPECT_STREQ(pack_conv_weights_s8(w.data(), s, {}, table).group_weights.at(0).kernel.name, table.qgemm_7bit.name);
  w[6] = 65;
  EXPECT_STREQ(pack_conv_weights_s8(w.data(), s, {}, table).group_weights.at(0).kernel.name, table.qgemm.name);
  std::mt19937 rng(3);
  for (uint8_t x_zp : {0, 255})
    for (Kind kind : {Kind::requant_u8, Kind::dequant_f32}) check(GetParam(), s, x_zp, false, kind, 2, rng, 64);
}

// Rows of 8 and of 29 pixels (the interior goes several pixels per microkernel call, in chunks
// with a remainder), dilation 1 and 2.
TEST_P(QconvIsa, DepthwiseLayers) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  std::mt19937 rng(5);
  for (int64_t k : {3, 5})
    for (int64_t stride : {1, 2})
      for (int64_t pad : {0, 1, 2})
        for (int64_t in_w : {8, 29}) {
          Conv2dShape s;
          s.in_h = 11, s.in_w = in_w, s.in_c = s.out_c = s.groups = 37;
          s.kernel_h = s.kernel_w = k, s.stride_h = s.stride_w = stride;
          s.dilation_h = s.dilation_w = in_w == 29 && pad == 2 ? 2 : 1;
          s.pad_top = s.pad_left = pad, s.pad_bottom = s.pad_right = k / 2;
          for (int threads : {1, 2}) check(GetParam(), s, 128, pad == 1, Kind::requant_u8, threads, rng);
        }
}

// The largest |(x - x_zp) * (w - w_zp)| a depthwise 5x5 can see, both signs, with padding: the
// avx512bw kernel computes sum x * w - x_zp * sum w with 16-bit multiplies, so it must stay exact
// at |x - x_zp| = |w - w_zp| = 255; with w_zp = 0 the vpdpbusd path runs, at x = 255 and w = -128; on avx2 the
// two-rows-per-lane ring runs every case (w - w_zp = +-255 in its 16-bit halves).
// A dequantize with scale 1 shows the int32 sums (< 2^24).
TEST_P(QconvIsa, DepthwiseExtremesAreExact) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  Conv2dShape s;
  s.in_h = 6, s.in_w = 7, s.in_c = s.out_c = s.groups = 35;
  s.kernel_h = s.kernel_w = 5, s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 2;
  const int64_t M = s.out_h() * s.out_w();
  for (auto [xv, x_zp, wv, w_zp] : {std::tuple<uint8_t, uint8_t, int8_t, int8_t>{255, 0, -128, 127},
                                    {0, 255, -128, 127},
                                    {255, 0, 127, -128},
                                    {0, 255, 127, -128},
                                    {255, 0, -128, 0},
                                    {0, 255, -128, 0},
                                    {255, 0, 127, 0},
                                    {0, 255, 127, 0}}) {
    std::vector<uint8_t> x(s.in_h * s.in_w * s.in_c, xv);
    std::vector<int8_t> w(s.out_c * 25, wv), zps{w_zp};
    std::vector<float> got(M * s.out_c), one{1.0f};
    PackedConvWeights pw = pack_conv_weights_s8(w.data(), s, zps, kernels_for(GetParam()));
    ThreadPool pool(1);
    qconv2d_u8s8_nhwc(x.data(), x_zp, pw, Epilogue::dequantize(got.data(), s.out_c, 1.0f, one), pool);
    std::vector<int32_t> want = direct_conv(s, x, x_zp, w, zps);
    for (int64_t i = 0; i < M * s.out_c; ++i) ASSERT_EQ(got[i], float(want[i])) << "at " << i << " x " << int(xv);
  }
}

// A residual added in the epilogue (Epilogue::residual) on every convolution path, 1x1, im2col,
// grouped, depthwise: the bytes of the convolution followed by the scalar Int8Add and a ReLU.
TEST_P(QconvIsa, ResidualAddOnEveryPathEqualsConvolutionThenInt8Add) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  std::mt19937 rng(8);
  struct Layer {
    int64_t in_c, out_c, k, stride, groups;
  };
  for (const Layer& l : {Layer{24, 40, 1, 1, 1}, Layer{16, 48, 3, 2, 1}, Layer{12, 36, 3, 1, 3},
                         Layer{40, 40, 3, 1, 40}, Layer{33, 33, 5, 2, 33}})
    for (bool w_zp : {false, true}) {
      Conv2dShape s;
      s.batch = 2, s.in_h = 7, s.in_w = 9, s.in_c = l.in_c, s.out_c = l.out_c, s.groups = l.groups;
      s.kernel_h = s.kernel_w = l.k, s.stride_h = s.stride_w = l.stride;
      s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = l.k / 2;
      SCOPED_TRACE(cat(GetParam(), " C ", l.in_c, " OC ", l.out_c, " k ", l.k, " groups ", l.groups, " w_zp ", w_zp));
      auto x = random_ints<uint8_t>(rng, s.batch * s.in_h * s.in_w * s.in_c, 0, 255);
      auto w = random_ints<int8_t>(rng, s.out_c * (s.in_c / s.groups) * l.k * l.k, -127, 127);
      std::vector<int8_t> zps = w_zp ? random_ints<int8_t>(rng, s.out_c, -9, 9) : std::vector<int8_t>{};
      auto scale = random_floats(rng, s.out_c, 1e-4f, 1e-2f);
      auto bias = random_ints<int32_t>(rng, s.out_c, -5000, 5000);
      const int64_t M = s.batch * s.out_h() * s.out_w(), N = s.out_c;
      auto shortcut = random_ints<uint8_t>(rng, M * N, 0, 255);
      const PackedConvWeights pw = pack_conv_weights_s8(w.data(), s, zps, kernels_for(GetParam()));
      ThreadPool pool(2);
      std::vector<uint8_t> want(M * N), got(M * N);
      qconv2d_u8s8_nhwc(x.data(), 3, pw, Epilogue::requantize_u8(want.data(), N, scale, 120, bias), pool);
      ResidualAdd r{shortcut.data(), N, 120, 100, 0.6f, 1.1f, 30, 30};
      qadd_u8__ref(M * N, want.data(), r.out_zp, r.out_m, shortcut.data(), r.shortcut_zp, r.shortcut_m, r.y_zp,
                   want.data());
      for (uint8_t& v : want) v = std::max(v, uint8_t(r.qmin));
      Epilogue ep = Epilogue::requantize_u8(got.data(), N, scale, 120, bias);
      ep.residual = r;
      qconv2d_u8s8_nhwc(x.data(), 3, pw, ep, pool);
      ASSERT_EQ(got, want);
    }
}

INSTANTIATE_TEST_SUITE_P(Qconv, QconvIsa, ::testing::ValuesIn(testing::all_isas()), testing::isa_param_name);

TEST(Qconv, RejectsBadShapes) {
  std::vector<int8_t> w(64, 1);
  Conv2dShape s;
  s.in_h = s.in_w = 4, s.in_c = 3, s.out_c = 4, s.groups = 2;
  EXPECT_THROW(pack_conv_weights_s8(w.data(), s), Error);
  s.groups = 1, s.kernel_h = s.kernel_w = 7;
  EXPECT_THROW(pack_conv_weights_s8(w.data(), s), Error);
  s.kernel_h = s.kernel_w = 1, s.stride_h = 0;
  EXPECT_THROW(pack_conv_weights_s8(w.data(), s), Error);
}

}  // namespace
}  // namespace octet::kernels
