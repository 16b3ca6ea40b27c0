#include "kernels/qmath.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace octet {
namespace {

TEST(QMath, RoundHalfEvenMatchesNearbyint) {
  std::vector<float> vals = {0.0f,        -0.0f,      0.5f,        1.5f,       2.5f,        -0.5f,  -1.5f,  -2.5f,
                             0.49999997f, 4194303.5f, -4194303.5f, 4194304.0f, -4194304.0f, 1e-30f, 127.5f, 128.5f};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-70000.0f, 70000.0f);
  for (int i = 0; i < 100000; ++i) vals.push_back(dist(rng));
  for (int i = -2000; i <= 2000; ++i) vals.push_back(i * 0.25f);
  for (float v : vals) EXPECT_EQ(round_half_even(v), std::nearbyint(v)) << v;
}

// Requantization's form of eq. (2) (the reference kernels' epilogues): the same as rounding with
// nearbyint, adding the zero point and saturating, for every zero point; NaN becomes qmin.
TEST(QMath, RoundClampIsRoundThenSaturate) {
  for (int32_t zp : {0, 1, 127, 128, 255}) {
    for (int i = -4000; i <= 4000; ++i) {
      const float v = i * 0.125f;
      const double want = std::clamp(std::nearbyint(double(v)) + zp, 0.0, 255.0);
      ASSERT_EQ(round_clamp(v, zp, 0, 255), want) << v << " zp " << zp;
    }
    EXPECT_EQ(round_clamp(NAN, zp, 0, 255), 0);
    EXPECT_EQ(round_clamp(INFINITY, zp, 0, 255), 255);
  }
  EXPECT_EQ(round_clamp(-1000.5f, 3, -128, 127), -128);
  EXPECT_EQ(round_clamp(2.5f, 3, -128, 127), 5);
}

TEST(QMath, QuantizeTiesRoundToEven) {
  EXPECT_EQ(quantize_value<uint8_t>(0.5f, 1.0f, 0), 0);
  EXPECT_EQ(quantize_value<uint8_t>(1.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_value<uint8_t>(2.5f, 1.0f, 0), 2);
  EXPECT_EQ(quantize_value<int8_t>(-0.5f, 1.0f, 0), 0);
  EXPECT_EQ(quantize_value<int8_t>(-1.5f, 1.0f, 0), -2);
  EXPECT_EQ(quantize_value<int8_t>(-2.5f, 1.0f, 0), -2);
  // The tie is decided on x / s, before the zero point is added: rne(2.5) + 1 = 3, not rne(3.5).
  EXPECT_EQ(quantize_value<uint8_t>(1.25f, 0.5f, 1), 3);
}

TEST(QMath, QuantizeSaturates) {
  EXPECT_EQ(quantize_value<uint8_t>(300.0f, 1.0f, 0), 255);
  EXPECT_EQ(quantize_value<uint8_t>(-15.0f, 1.0f, 10), 0);
  EXPECT_EQ(quantize_value<int8_t>(200.0f, 1.0f, 0), 127);
  EXPECT_EQ(quantize_value<int8_t>(-200.0f, 1.0f, 0), -128);
  EXPECT_EQ(quantize_value<int16_t>(1e9f, 1.0f, 0), 32767);
  EXPECT_EQ(quantize_value<uint16_t>(-1e9f, 1.0f, 7), 0);
  EXPECT_EQ(quantize_value<int8_t>(INFINITY, 0.1f, 0), 127);
  EXPECT_EQ(quantize_value<int8_t>(-INFINITY, 0.1f, 0), -128);
}

TEST(QMath, QuantizeNanGivesQmin) {
  EXPECT_EQ(quantize_value<uint8_t>(NAN, 1.0f, 128), 0);
  EXPECT_EQ(quantize_value<int8_t>(NAN, 1.0f, 3), -128);
}

TEST(QMath, Dequantize) {
  EXPECT_FLOAT_EQ(dequantize_value<uint8_t>(200, 0.5f, 128), 36.0f);
  EXPECT_FLOAT_EQ(dequantize_value<int8_t>(-128, 0.25f, 0), -32.0f);
  EXPECT_FLOAT_EQ(dequantize_value<int32_t>(-1000000, 0.001f, 0), -1000.0f);
}

template <class Q>
void check_spans_match_scalar() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-400.0f, 400.0f);
  for (int64_t n : {1, 15, 16, 17, 63, 64, 1000}) {
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    std::vector<Q> q(n);
    quantize_span<Q>(x.data(), n, 0.7f, 3, q.data());
    std::vector<float> back(n);
    dequantize_span<Q>(q.data(), n, 0.7f, 3, back.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(q[i], quantize_value<Q>(x[i], 0.7f, 3)) << i;
      ASSERT_EQ(back[i], dequantize_value<Q>(q[i], 0.7f, 3)) << i;
    }
  }
}

TEST(QMath, SpansMatchScalar) {
  check_spans_match_scalar<uint8_t>();
  check_spans_match_scalar<int8_t>();
  check_spans_match_scalar<uint16_t>();
  check_spans_match_scalar<int16_t>();
}

TEST(QMath, RangeWithZeroSkipsNonFinite) {
  std::vector<float> x(37, 1.0f);
  x[3] = 5.0f;
  x[36] = 2.0f;
  MinMax r = range_with_zero(x.data(), x.size());
  EXPECT_EQ(r.min, 0.0f);
  EXPECT_EQ(r.max, 5.0f);
  x[20] = -3.0f;
  x[21] = NAN;
  x[22] = INFINITY;
  x[35] = -INFINITY;
  r = range_with_zero(x.data(), x.size());
  EXPECT_EQ(r.min, -3.0f);
  EXPECT_EQ(r.max, 5.0f);
  r = range_with_zero(x.data(), 0);
  EXPECT_EQ(r.min, 0.0f);
  EXPECT_EQ(r.max, 0.0f);
}

TEST(QMath, DynamicQParams) {
  QParams p = dynamic_qparams_u8({0.0f, 0.0f});
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
  p = dynamic_qparams_u8({-1.0f, 1.0f});
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 127);  // 1 / (2 / 255) is 127.49999 in float
  p = dynamic_qparams_u8({0.0f, 4.0f});
  EXPECT_EQ(p.zero_point, 0);
  p = dynamic_qparams_u8({-4.0f, 0.0f});
  EXPECT_EQ(p.zero_point, 255);
}

}  // namespace
}  // namespace octet
