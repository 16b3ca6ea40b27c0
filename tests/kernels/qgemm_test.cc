// The INT8 GEMM of every ISA path against the scalar reference, bit for bit.
#include "kernels/qgemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "kernels/dispatch.h"
#include "kernels/qgemm_test_util.h"
#include "kernels/ref/qelementwise_ref.h"
#include "kernels/ref/qgemm_ref.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

using testing::random_floats;
using testing::random_ints;
using Kind = EpilogueParams::Kind;

struct Case {
  int64_t M, N, K;
  uint8_t a_zp;
  std::vector<int8_t> w_zp;  // empty, 1 or N values
  Kind kind;
  bool per_channel;
  bool relu;
  bool row_scale = false;          // dequant: per-row (per-token) activation scales too
  bool float_bias = true;          // dequant: a float bias, or none
  int64_t lda_pad = 0;             // A's rows K + lda_pad bytes apart, the gap filled with junk
  std::vector<float> scale = {};   // per-channel multipliers to use instead of random ones
  std::vector<int32_t> bias = {};  // int32 biases to use instead of random ones
};

// What the reference says: exact int32 accumulators, then the scalar epilogue of one element.
std::vector<uint8_t> reference(const Case& c, const std::vector<uint8_t>& a, const std::vector<int8_t>& w,
                               const std::vector<int32_t>& bias, const std::vector<float>& scale,
                               const std::vector<float>& bias_f, float a_scale, const Epilogue& ep) {
  std::vector<float> row_scale(ep.row_scale.begin(), ep.row_scale.end());
  std::vector<int8_t> zp(c.N, 0);
  for (int64_t n = 0; n < c.N && !c.w_zp.empty(); ++n) zp[n] = c.w_zp[c.w_zp.size() == 1 ? 0 : n];
  std::vector<int32_t> acc(c.M * c.N);
  qgemm_acc_u8s8__ref(c.M, c.N, c.K, a.data(), c.K, c.a_zp, w.data(), c.N, zp.data(), acc.data());
  std::vector<float> s(c.N);
  for (int64_t n = 0; n < c.N; ++n) {
    s[n] = scale[scale.size() == 1 ? 0 : n];
    if (c.kind == Kind::dequant_f32) s[n] *= a_scale;
  }
  std::vector<int32_t> no_term(c.N, 0);
  size_t elem = c.kind == Kind::dequant_f32 || c.kind == Kind::int32 ? 4 : 1;
  std::vector<uint8_t> out(c.M * c.N * elem);
  EpilogueParams p;
  p.kind = c.kind, p.col_term = bias.empty() ? no_term.data() : bias.data(), p.scale = s.data();
  p.bias_f32 = bias_f.empty() ? nullptr : bias_f.data();
  p.row_scale = row_scale.empty() ? nullptr : row_scale.data();
  p.zero_point = ep.zero_point, p.qmin = ep.qmin, p.qmax = ep.qmax, p.out = out.data(), p.ldo = c.N;
  for (int64_t m = 0; m < c.M; ++m)
    for (int64_t n = 0; n < c.N; ++n) qgemm_epilogue_one__ref(acc[m * c.N + n], m, n, p);
  return out;
}

// Runs the GEMM through `kernel` and compares every byte with the reference.
void check(const QgemmKernel& kernel, const Case& c, const std::vector<uint8_t>& a, const std::vector<int8_t>& w,
           int threads, std::mt19937& rng) {
  SCOPED_TRACE(cat(kernel.name, " M=", c.M, " N=", c.N, " K=", c.K, " a_zp=", int(c.a_zp), " w_zp=", c.w_zp.size(),
                   " kind=", int(c.kind), " per_channel=", c.per_channel, " relu=", c.relu, " row_scale=", c.row_scale,
                   " float_bias=", c.float_bias, " lda_pad=", c.lda_pad, " threads=", threads));
  size_t ns = c.per_channel ? c.N : 1;
  std::vector<float> scale = !c.scale.empty()              ? c.scale
                             : c.kind == Kind::dequant_f32 ? random_floats(rng, ns, 1e-3f, 1e-1f)
                                                           : random_floats(rng, ns, 1e-5f, 1e-2f);
  std::vector<int32_t> bias = !c.bias.empty() ? c.bias : random_ints<int32_t>(rng, c.N, -100000, 100000);
  std::vector<float> bias_f = c.float_bias ? random_floats(rng, c.N, -5.f, 5.f) : std::vector<float>{};
  float a_scale = 0.02f;
  std::vector<float> row_scale = c.row_scale ? random_floats(rng, c.M, 1e-3f, 1.f) : std::vector<float>{};
  size_t elem = c.kind == Kind::dequant_f32 || c.kind == Kind::int32 ? 4 : 1;
  std::vector<uint8_t> got(c.M * c.N * elem, 0xAB);
  Epilogue ep;
  if (c.kind == Kind::dequant_f32) {
    ep = Epilogue::dequantize(reinterpret_cast<float*>(got.data()), c.N, a_scale, scale, bias_f, row_scale);
  } else if (c.kind == Kind::int32) {
    ep = Epilogue::int32(reinterpret_cast<int32_t*>(got.data()), c.N, bias);
  } else if (c.kind == Kind::requant_u8) {
    ep = Epilogue::requantize_u8(got.data(), c.N, scale, 131, bias, c.relu ? 131 : 0, c.relu ? 200 : 255);
  } else {
    ep = Epilogue::requantize_s8(reinterpret_cast<int8_t*>(got.data()), c.N, scale, -3, bias, c.relu ? -3 : -128);
  }
  if (c.kind != Kind::dequant_f32) bias_f.clear();
  else bias.clear();
  PackedWeightsS8 pw = pack_weights_s8(w.data(), c.K, c.N, c.N, 1, c.w_zp, kernel);
  ThreadPool pool(threads);
  // u8 rows with K a multiple of kr are read in place, the rest packed: both must ignore the gap.
  const int64_t lda = c.K + c.lda_pad;
  std::vector<uint8_t> a_strided(c.M * lda, 0xEE);
  for (int64_t m = 0; m < c.M; ++m) std::memcpy(&a_strided[m * lda], &a[m * c.K], c.K);
  qgemm_u8s8(a_strided.data(), lda, c.a_zp, pw, c.M, ep, pool);
  std::vector<uint8_t> want = reference(c, a, w, bias, scale, bias_f, a_scale, ep);
  for (size_t i = 0; i < got.size(); i += elem)
    ASSERT_EQ(0, std::memcmp(&got[i], &want[i], elem)) << "first mismatch at element " << i / elem;
}

const int64_t kDims[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 127, 128, 129};
const uint8_t kAZp[] = {0, 128, 255, 37};

// The operands' codes: activations 0..a_max, weights w_min..w_max. The 7-bit paths are exact
// with 7-bit activations (a_max 127) or 7-bit weights (-64..64).
struct Codes {
  uint8_t a_max = 255;
  int8_t w_min = -128, w_max = 127;
};
constexpr Codes k7BitActivations{127, -128, 127}, k7BitWeights{255, -64, 64};

// Random shapes, zero points, epilogues and thread counts through one kernel.
void random_cases(const QgemmKernel& kernel, int count, Codes codes = {}) {
  std::mt19937 rng(1234);
  auto pick = [&](auto& arr) { return arr[std::uniform_int_distribution<size_t>(0, std::size(arr) - 1)(rng)]; };
  for (int i = 0; i < count; ++i) {
    Case c{pick(kDims), pick(kDims), pick(kDims) + (i % 3 == 0 ? 200 : 0), pick(kAZp), {}, Kind(i % 4),
           i % 2 == 0,  i % 5 == 1};
    c.row_scale = c.kind == Kind::dequant_f32 && i % 7 < 4;
    c.float_bias = i % 4 != 3;
    c.lda_pad = i % 6 == 3 ? 5 : 0;
    if (i % 4 == 1) c.w_zp = {-5};
    if (i % 4 == 2) c.w_zp = random_ints<int8_t>(rng, c.N, -128, 127);
    auto a = random_ints<uint8_t>(rng, c.M * c.K, 0, codes.a_max);
    auto w = random_ints<int8_t>(rng, c.K * c.N, codes.w_min, codes.w_max);
    check(kernel, c, a, w, 1 + i % 2, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// All-a_max activations against all-w_max and all-w_min weights: where vpmaddubsw saturates for
// 8-bit operands (the exact paths must not) and is at its limit for 7-bit ones: 2 * 127 * -128
// with 7-bit activations, 2 * 255 * 64 with 7-bit weights.
void saturation_cases(const QgemmKernel& kernel, Codes codes = {}) {
  std::mt19937 rng(7);
  const uint8_t a_max = codes.a_max;
  for (int8_t wv : {codes.w_max, codes.w_min})
    for (int64_t K : {int64_t(2), int64_t(64), int64_t(511), int64_t(4099)})
      for (Kind kind : {Kind::requant_u8, Kind::requant_s8, Kind::dequant_f32, Kind::int32}) {
        Case c{9, 33, K, 0, {}, kind, true, false};
        std::vector<uint8_t> a(c.M * K, a_max);
        std::vector<int8_t> w(K * c.N, wv);
        for (int threads : {1, 2}) check(kernel, c, a, w, threads, rng);
      }
  // And the exact sum itself: K * a_max * w, representable in float for K = 500.
  const int64_t K = 500, N = 40;
  std::vector<uint8_t> a(K, a_max);
  for (int8_t wv : {codes.w_max, codes.w_min}) {
    std::vector<int8_t> w(K * N, wv);
    std::vector<float> y(N), one{1.0f};
    ThreadPool pool(1);
    qgemm_u8s8(a.data(), K, 0, pack_weights_s8(w.data(), K, N, N, 1, {}, kernel), 1,
               Epilogue::dequantize(y.data(), N, 1.0f, one), pool);
    for (float v : y) ASSERT_EQ(v, float(K * a_max * wv)) << kernel.name;
  }
}

// Multipliers the requantization's clamps must treat as the reference does, per column, u8 and
// s8, with and without ReLU: ones that put acc * s far beyond int16 but within int32, and 0, tiny,
// beyond int32, +-inf and NaN; and on accumulators at their extremes, either side of int32.
void extreme_multiplier_cases(const QgemmKernel& kernel, Codes codes = {}) {
  const uint8_t a_max = codes.a_max;
  std::mt19937 rng(11);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> kLarge{0.f, 1e-30f, 0.5f, 1.f, 30.f, 300.f, -300.f};
  const std::vector<float> kBeyond{0.f, 1e-30f, 3e-3f, 1e9f, 1e30f, inf, -inf, -1e9f, nan};
  for (const std::vector<float>& values : {kLarge, kBeyond})
    for (Kind kind : {Kind::requant_u8, Kind::requant_s8})
      for (bool relu : {false, true}) {
        Case c{9, 69, 37, a_max, {}, kind, true, relu};
        for (int64_t n = 0; n < c.N; ++n) c.scale.push_back(values[n % values.size()]);
        auto a = random_ints<uint8_t>(rng, c.M * c.K, 0, a_max);
        auto w = random_ints<int8_t>(rng, c.K * c.N, codes.w_min, codes.w_max);
        check(kernel, c, a, w, 1, rng);
      }
  // Saturated accumulators (all a_max against all 127 or -128) times multipliers that put them
  // just inside int32 or beyond it, where float -> int32 conversion gives INT_MIN unless clamped
  // first; and an INT_MIN bias that the negative sums wrap around to large positive accumulators.
  const int64_t K = 64;
  for (int8_t wv : {codes.w_max, codes.w_min})
    for (double product : {0x1p29, 0x1.8p31}) {
      Case c{9, 64, K, 0, {}, Kind::requant_u8, true, false};
      c.scale.assign(c.N, float(product / (K * a_max * std::abs(wv))));
      if (wv < 0 && product > 0x1p31) c.scale.assign(c.N, 1.5f), c.bias.assign(c.N, INT32_MIN);
      std::vector<uint8_t> a(c.M * K, a_max);
      std::vector<int8_t> w(K * c.N, wv);
      check(kernel, c, a, w, 1, rng);
    }
}

// A residual connection added in the epilogue (Epilogue::residual) writes the bytes of the GEMM's
// requantization followed by the scalar Int8Add and the ReLU after it: full panels (the fused
// microkernels), column tails, weight zero points (the stand-alone epilogue), an output and a
// shortcut wider than N, conv clamps and zero points that differ from the Add's, and multipliers
// that overflow the sum to +-inf or NaN (inf times a code at the zero point).
void residual_cases(const QgemmKernel& kernel, Codes codes = {}) {
  std::mt19937 rng(41);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  struct Shape {
    int64_t M, N, K;
    bool w_zp;
  };
  int i = 0;
  for (const Shape& sh : {Shape{17, 64, 64, false}, Shape{9, 45, 37, false}, Shape{33, 96, 130, true},
                          Shape{5, 7, 20, false}, Shape{64, 128, 16, false}, Shape{3, 33, 9, true}})
    for (int variant = 0; variant < 4; ++variant, ++i) {
      SCOPED_TRACE(cat(kernel.name, " M=", sh.M, " N=", sh.N, " K=", sh.K, " variant ", variant));
      const int64_t ldo = sh.N + 3, ld = sh.N + 5;
      auto a = random_ints<uint8_t>(rng, sh.M * sh.K, 0, codes.a_max);
      auto w = random_ints<int8_t>(rng, sh.K * sh.N, codes.w_min, codes.w_max);
      auto shortcut = random_ints<uint8_t>(rng, sh.M * ld, 0, 255);
      auto bias = random_ints<int32_t>(rng, sh.N, -20000, 20000);
      std::vector<float> scale = random_floats(rng, sh.N, 1e-4f, 3e-3f);
      if (variant == 3)  // the conv's code at its extremes, and beyond what float holds
        for (int64_t n = 0; n < sh.N; n += 3) scale[n] = n % 2 ? inf : nan;
      std::vector<int8_t> w_zp = sh.w_zp ? random_ints<int8_t>(rng, sh.N, -20, 20) : std::vector<int8_t>{};
      ResidualAdd r;
      r.out_zp = variant == 1 ? 90 : 128;  // the conv's own zero point is 128
      r.shortcut_zp = variant == 2 ? 0 : 117;
      r.out_m = variant == 2 ? 1e38f : variant == 3 ? inf : 0.7f;
      r.shortcut_m = variant == 2 ? 1e38f : variant == 3 ? 2e-38f : 1.3f;
      r.y_zp = variant == 0 ? 0 : 60;
      r.qmin = variant % 2 ? r.y_zp : 0;
      const int32_t conv_qmin = variant == 1 ? 140 : 0, conv_qmax = variant == 1 ? 230 : 255;
      const PackedWeightsS8 pw = pack_weights_s8(w.data(), sh.K, sh.N, sh.N, 1, w_zp, kernel);
      ThreadPool pool(1 + i % 2);
      std::vector<uint8_t> code(sh.M * ldo, 0xCD), got(sh.M * ldo, 0xCD);
      qgemm_u8s8(a.data(), sh.K, 7, pw, sh.M,
                 Epilogue::requantize_u8(code.data(), ldo, scale, 128, bias, conv_qmin, conv_qmax), pool);
      Epilogue ep = Epilogue::requantize_u8(got.data(), ldo, scale, 128, bias, conv_qmin, conv_qmax);
      r.shortcut = shortcut.data(), r.ld = ld;
      ep.residual = r;
      qgemm_u8s8(a.data(), sh.K, 7, pw, sh.M, ep, pool);
      std::vector<uint8_t> want = code;  // the gap between rows stays untouched
      for (int64_t m = 0; m < sh.M; ++m) {
        uint8_t* y = &want[m * ldo];
        qadd_u8__ref(sh.N, y, r.out_zp, r.out_m, &shortcut[m * ld], r.shortcut_zp, r.shortcut_m, r.y_zp, y);
        for (int64_t n = 0; n < sh.N; ++n) y[n] = std::max(y[n], uint8_t(r.qmin));
      }
      ASSERT_EQ(got, want);
    }
}

class QgemmIsa : public ::testing::TestWithParam<std::string> {};

TEST_P(QgemmIsa, ResidualAddEqualsRequantizeThenInt8Add) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  residual_cases(t.qgemm);
  residual_cases(t.qgemm_narrow);
  residual_cases(t.qgemm_7bit, k7BitWeights);
  residual_cases(scalar_twin(t.qgemm));
}

TEST_P(QgemmIsa, RandomShapesMatchReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  random_cases(kernels_for(GetParam()).qgemm, 150);
}

TEST_P(QgemmIsa, SaturationWorstCaseIsExact) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  saturation_cases(kernels_for(GetParam()).qgemm);
}

TEST_P(QgemmIsa, ExtremeMultipliersMatchReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  extreme_multiplier_cases(t.qgemm);
  extreme_multiplier_cases(t.qgemm_narrow);
  extreme_multiplier_cases(t.qgemm_7bit, k7BitActivations);
  extreme_multiplier_cases(t.qgemm_7bit, k7BitWeights);
}

// The packing and driver of every path, VNNI included, through the scalar twin of its microkernel:
// what remains untested on a CPU without the ISA is the dot-product instruction itself.
TEST_P(QgemmIsa, ScalarTwinMatchesReference) {
  for (const QgemmKernel& k : {kernels_for(GetParam()).qgemm, kernels_for(GetParam()).qgemm_narrow}) {
    QgemmKernel twin = scalar_twin(k);
    random_cases(twin, 60);
    saturation_cases(twin);
  }
}

// The 16-column path for narrow outputs (any N works; N <= 16 is what it is chosen for).
TEST_P(QgemmIsa, NarrowPathMatchesReference) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  EXPECT_EQ(&t.qgemm_for(t.qgemm_narrow.nr, false), &t.qgemm_narrow);
  EXPECT_EQ(&t.qgemm_for(t.qgemm_narrow.nr + 1, false), &t.qgemm);
  random_cases(t.qgemm_narrow, 100);
  saturation_cases(t.qgemm_narrow);
}

// The caller-chosen path for 7-bit activations (vpmaddubsw on avx512bw and avx2), at its worst case too.
TEST_P(QgemmIsa, Activations7BitPathIsExact) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  random_cases(kernels_for(GetParam()).qgemm_7bit, 150, k7BitActivations);
  saturation_cases(kernels_for(GetParam()).qgemm_7bit, k7BitActivations);
}

// The same path for 7-bit weights against full 8-bit activations, which packing picks by itself.
TEST_P(QgemmIsa, Weights7BitPathIsExact) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const KernelTable& t = kernels_for(GetParam());
  random_cases(t.qgemm_7bit, 150, k7BitWeights);
  saturation_cases(t.qgemm_7bit, k7BitWeights);
  const int64_t wide = t.qgemm_narrow.nr + 1;
  EXPECT_EQ(&t.qgemm_for(wide, true), &t.qgemm_7bit);
  EXPECT_EQ(&t.qgemm_for(wide, false), &t.qgemm);
  // A narrow output keeps its narrow panel unless the 7-bit panel is as narrow.
  const QgemmKernel& narrow = t.qgemm_for(t.qgemm_narrow.nr, true);
  EXPECT_EQ(&narrow, t.qgemm_7bit.nr <= t.qgemm_narrow.nr ? &t.qgemm_7bit : &t.qgemm_narrow);
}

TEST(Qgemm, WeightsFit7BitChecksEveryCode) {
  std::vector<int8_t> w(6 * 5, 64);
  w[7] = -64;
  EXPECT_TRUE(weights_fit_7bit(w.data(), 6, 5, 5, 1));
  EXPECT_TRUE(weights_fit_7bit(w.data(), 5, 6, 1, 5));  // N x K storage
  w[29] = 65;
  EXPECT_FALSE(weights_fit_7bit(w.data(), 6, 5, 5, 1));
  w[29] = -65;
  EXPECT_FALSE(weights_fit_7bit(w.data(), 6, 5, 5, 1));
  EXPECT_TRUE(weights_fit_7bit(w.data(), 5, 5, 5, 1));  // the last row is not part of a 5 x 5 matrix
}

INSTANTIATE_TEST_SUITE_P(Qgemm, QgemmIsa, ::testing::ValuesIn(testing::all_isas()), testing::isa_param_name);

TEST(Qgemm, ChosenPathIsSupported) { EXPECT_TRUE(path_supported(kernels().path)); }

TEST(Qgemm, RejectsBadArguments) {
  std::vector<int8_t> w(4 * 3, 1);
  EXPECT_THROW(pack_weights_s8(w.data(), 0, 3, 3, 1), Error);
  EXPECT_THROW(pack_weights_s8(w.data(), 40000, 3, 3, 1), Error);
  std::vector<int8_t> zp2{1, 2};
  EXPECT_THROW(pack_weights_s8(w.data(), 4, 3, 3, 1, zp2), Error);
  PackedWeightsS8 pw = pack_weights_s8(w.data(), 4, 3, 3, 1);
  std::vector<uint8_t> a(8, 1), y(6);
  std::vector<float> two_scales{1.f, 2.f}, one{1.f};
  ThreadPool pool(1);
  EXPECT_THROW(qgemm_u8s8(a.data(), 4, 0, pw, 2, Epilogue::requantize_u8(y.data(), 3, two_scales, 0), pool), Error);
  EXPECT_THROW(qgemm_u8s8(a.data(), 4, 0, pw, 2, Epilogue::requantize_u8(y.data(), 2, one, 0), pool), Error);
  EXPECT_THROW(qgemm_u8s8(a.data(), 4, 0, pw, 2, Epilogue::requantize_u8(y.data(), 3, one, 0, {}, 10, 5), pool), Error);
  EXPECT_THROW(qgemm_u8s8(a.data(), 3, 0, pw, 2, Epilogue::requantize_u8(y.data(), 3, one, 0), pool), Error);
  // A row scale: one value per row of A, and only where the output is float.
  std::vector<float> yf(6);
  EXPECT_THROW(qgemm_u8s8(a.data(), 4, 0, pw, 2, Epilogue::dequantize(yf.data(), 3, 1.f, one, {}, one), pool), Error);
  Epilogue requant_rows = Epilogue::requantize_u8(y.data(), 3, one, 0);
  requant_rows.row_scale = two_scales;
  EXPECT_THROW(qgemm_u8s8(a.data(), 4, 0, pw, 2, requant_rows, pool), Error);
}

TEST(Qgemm, RowScaleMultipliesEachRow) {
  // A = [[1,1,1,1],[2,2,2,2]], W all 3: acc = 12 and 24; y = acc * row_scale[m] * 0.5 + bias.
  std::vector<int8_t> w(4 * 3, 3);
  std::vector<uint8_t> a{1, 1, 1, 1, 2, 2, 2, 2};
  std::vector<float> y(6), half{0.5f}, bias{1.f, 2.f, 3.f}, rows{0.25f, 4.f};
  ThreadPool pool(1);
  qgemm_u8s8(a.data(), 4, 0, pack_weights_s8(w.data(), 4, 3, 3, 1), 2,
             Epilogue::dequantize(y.data(), 3, 1.f, half, bias, rows), pool);
  EXPECT_EQ(y, (std::vector<float>{2.5f, 3.5f, 4.5f, 49.f, 50.f, 51.f}));
}

// apply_epilogue on sums the caller made writes the same bytes as the GEMM's own epilogue.
TEST(Qgemm, ApplyEpilogueOnSumsEqualsTheGemmsOwn) {
  std::mt19937 rng(31);
  const int64_t M = 37, K = 23, N = 45;
  auto a = testing::random_ints<uint8_t>(rng, M * K, 0, 255);
  auto w = testing::random_ints<int8_t>(rng, K * N, -127, 127);
  auto bias = testing::random_ints<int32_t>(rng, N, -5000, 5000);
  std::vector<float> scale(N);
  for (int64_t n = 0; n < N; ++n) scale[n] = 0.0005f * float(1 + n % 7);
  ThreadPool pool(2);
  const PackedWeightsS8 pw = pack_weights_s8(w.data(), K, N, N, 1);
  std::vector<uint8_t> want(M * N), got(M * N);
  qgemm_u8s8(a.data(), K, 17, pw, M, Epilogue::requantize_u8(want.data(), N, scale, 120, bias, 3, 250), pool);
  std::vector<int32_t> sums(M * N);
  qgemm_u8s8(a.data(), K, 17, pw, M, Epilogue::int32(sums.data(), N), pool);
  apply_epilogue(sums.data(), M, N, Epilogue::requantize_u8(got.data(), N, scale, 120, bias, 3, 250), pool);
  EXPECT_EQ(got, want);
}

// Its rank-1 correction: sums minus row_factor[m] * col_factor[n], the same bytes as the epilogue
// on sums corrected beforehand.
TEST(Qgemm, ApplyEpilogueSubtractsRowTimesColumnFactors) {
  std::mt19937 rng(32);
  const int64_t M = 19, N = 29;
  auto sums = testing::random_ints<int32_t>(rng, M * N, -1 << 20, 1 << 20);
  auto row = testing::random_ints<int32_t>(rng, M, 0, 255);
  auto col = testing::random_ints<int32_t>(rng, N, -4000, 4000);
  std::vector<float> w_scale(N), row_scale(M);
  for (int64_t n = 0; n < N; ++n) w_scale[n] = 0.001f * float(1 + n % 5);
  for (int64_t m = 0; m < M; ++m) row_scale[m] = 0.01f * float(1 + m % 3);
  std::vector<int32_t> corrected(sums);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) corrected[m * N + n] -= row[m] * col[n];
  ThreadPool pool(2);
  std::vector<float> want(M * N), got(M * N);
  apply_epilogue(corrected.data(), M, N, Epilogue::dequantize(want.data(), N, 1.0f, w_scale, {}, row_scale), pool);
  apply_epilogue(sums.data(), M, N, Epilogue::dequantize(got.data(), N, 1.0f, w_scale, {}, row_scale), pool, row, col);
  EXPECT_EQ(got, want);
}

TEST(Qgemm, PathsAreFoundByName) {
  for (const std::string& isa : testing::all_isas()) EXPECT_EQ(kernels_for(isa).path, isa);
  EXPECT_EQ(architecture_paths().front().name, std::string("ref"));
  EXPECT_THROW(kernels_for("sse9"), Error);
  EXPECT_THROW(path_supported("sse9"), Error);
}

}  // namespace
}  // namespace octet::kernels
