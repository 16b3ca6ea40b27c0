// Vectorizable float32 exp, tanh and erf for the element-wise kernels. std::expf and friends are
// library calls the compiler cannot vectorize; these are branch-free polynomials (Cephes' expf
// and tanhf, and the rational erf approximation used by Eigen) accurate to a few ulp: within
// 1e-6 relative of std:: over the whole float range (tests/ops/activation_test.cc checks).
// NaN propagates, and overflow and underflow give inf and 0 exactly as std:: does.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace octet {

// Always inlined: kernels/vmath_loops.h compiles these into per-ISA files, and an out-of-line
// copy built with AVX-512 flags must never be the one the linker hands to baseline code.
#define OCTET_FAST_MATH [[gnu::always_inline]] inline

// 2^n for integer n in [-126, 127], built from the exponent bits.
OCTET_FAST_MATH float pow2i(int32_t n) {
  uint32_t bits = static_cast<uint32_t>(n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

OCTET_FAST_MATH float fast_exp(float x) {
  constexpr float kHi = 88.7228394f;   // log(FLT_MAX): above, exp overflows
  constexpr float kLo = -103.972084f;  // log of half the smallest subnormal: below, exp is 0
  // Clamp first so the integer conversion below is always defined (NaN clamps to kLo and is
  // restored at the end).
  float xc = x > kLo ? x : kLo;
  xc = xc < kHi ? xc : kHi;
  // x = n ln2 + r with |r| <= ln2/2; adding 1.5*2^23 rounds to the nearest integer.
  constexpr float kRound = 12582912.0f;
  float nf = (xc * 1.44269504088896341f + kRound) - kRound;
  float r = xc - nf * 0.693359375f - nf * -2.12194440e-4f;  // ln2 in two parts, Cephes
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // 2^n with n in [-150, 128] does not fit one float exponent: apply it in two halves.
  int32_t n = static_cast<int32_t>(nf);
  int32_t n1 = n / 2;
  float y = p * pow2i(n1) * pow2i(n - n1);
  y = x > kHi ? std::numeric_limits<float>::infinity() : y;
  y = x < kLo ? 0.0f : y;
  return x != x ? x : y;
}

OCTET_FAST_MATH float fast_tanh(float x) {
  float ax = std::fabs(x);
  // Small |x|: Cephes' tanhf odd polynomial (1 - 2/(e^2x + 1) would cancel badly near 0).
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float large = std::copysign(1.0f - 2.0f / (fast_exp(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : large;
}

OCTET_FAST_MATH float fast_erf(float x) {
  // erf(x) = x P(x^2) / Q(x^2) on [-4, 4]; outside, erf rounds to +-1 in float.
  float xc = x > -4.0f ? x : -4.0f;
  xc = xc < 4.0f ? xc : 4.0f;
  float z = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * z + 2.77068142495902e-08f;
  p = p * z - 2.10102402082508e-06f;
  p = p * z - 5.69250639462346e-05f;
  p = p * z - 7.34990630326855e-04f;
  p = p * z - 2.95459980854025e-03f;
  p = p * z - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * z - 2.13374055278905e-04f;
  q = q * z - 1.68282697438203e-03f;
  q = q * z - 7.37332916720468e-03f;
  q = q * z - 1.42647390514189e-02f;
  float y = xc * p / q;
  return x != x ? x : y;
}

OCTET_FAST_MATH float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

// Double precision keeps the library functions.
OCTET_FAST_MATH double fast_exp(double x) { return std::exp(x); }
OCTET_FAST_MATH double fast_tanh(double x) { return std::tanh(x); }
OCTET_FAST_MATH double fast_erf(double x) { return std::erf(x); }
OCTET_FAST_MATH double fast_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace octet
