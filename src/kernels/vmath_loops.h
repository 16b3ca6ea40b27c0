// The loops of kernels/vmath.h, included once per ISA translation unit: everything here has
// internal linkage, so each ISA's copy stays in its own file (no ODR merging of AVX-512 code into
// a baseline caller). Use: `const VmathKernels vmath__<isa> = vmath_loops();`.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/fast_math.h"
#include "kernels/vmath.h"

namespace octet::kernels {
namespace {

template <float (*F)(float)>
void map_loop(int64_t n, const float* __restrict x, float* __restrict y) {
  for (int64_t i = 0; i < n; ++i) y[i] = F(x[i]);
}

float exp_of(float x) { return fast_exp(x); }
float sigmoid_of(float x) { return fast_sigmoid(x); }
float tanh_of(float x) { return fast_tanh(x); }
float erf_of(float x) { return fast_erf(x); }
float gelu_erf_of(float x) { return 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752440f)); }
float gelu_tanh_of(float x) {
  return 0.5f * x * (1.0f + fast_tanh(0.79788456080286535588f * (x + 0.044715f * x * x * x)));
}

// 16 float lanes as one GCC vector (a zmm in the avx512bw file, four xmm in the baseline one):
// GCC 12 leaves reductions over float[16] arrays scalar, but vectorizes these.
using V16 = float __attribute__((vector_size(64)));
// Through a pointer, not by value: a V16 return value would change the ABI between the files.
void load16(V16* v, const float* p) { std::memcpy(v, p, sizeof *v); }

// Lane 0 of *v after folding the upper half onto the lower one, 8 then 4, 2, 1 lanes apart: for
// the sum the same pairwise order as adding lane k + w into lane k (w = 8, 4, 2, 1), so every ISA
// and the scalar loop this replaced give the same bits; max is exact in any order. Vectors by
// pointer, as load16. The lanes of each fold are constants, as __builtin_shufflevector (GCC 12 and
// clang) takes them.
#define OCTET_FOLD_8 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7
#define OCTET_FOLD_4 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11
#define OCTET_FOLD_2 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
#define OCTET_FOLD_1 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14

float fold_sum16(const V16* v) {
  V16 s = *v;
  s += __builtin_shufflevector(s, s, OCTET_FOLD_8);
  s += __builtin_shufflevector(s, s, OCTET_FOLD_4);
  s += __builtin_shufflevector(s, s, OCTET_FOLD_2);
  s += __builtin_shufflevector(s, s, OCTET_FOLD_1);
  return s[0];
}

float fold_max16(const V16* v) {
  V16 m = *v, o;
  o = __builtin_shufflevector(m, m, OCTET_FOLD_8), m = m > o ? m : o;
  o = __builtin_shufflevector(m, m, OCTET_FOLD_4), m = m > o ? m : o;
  o = __builtin_shufflevector(m, m, OCTET_FOLD_2), m = m > o ? m : o;
  o = __builtin_shufflevector(m, m, OCTET_FOLD_1), m = m > o ? m : o;
  return m[0];
}

#undef OCTET_FOLD_8
#undef OCTET_FOLD_4
#undef OCTET_FOLD_2
#undef OCTET_FOLD_1

// Three passes: the max, exp(x - max) written and then summed in 16 lanes (lane k takes the
// elements i = k mod 16, then the lanes fold pairwise), then one multiply by 1 / sum (within
// 1.5 ulp of a division, and a division per element is the slowest op here). x may be y (each
// pass reads element j before writing it).
void softmax_row(int64_t n, const float* x, float* y) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  V16 mv = V16{} + kNegInf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V16 v;
    load16(&v, x + i);
    mv = mv > v ? mv : v;
  }
  float m = fold_max16(&mv);
  for (; i < n; ++i) m = m > x[i] ? m : x[i];
  for (int64_t j = 0; j < n; ++j) y[j] = fast_exp(x[j] - m);
  V16 sv = {};
  for (i = 0; i + 16 <= n; i += 16) {
    V16 v;
    load16(&v, y + i);
    sv += v;
  }
  for (int k = 0; i < n; ++i, ++k) sv[k] += y[i];
  const float inv = 1.0f / fold_sum16(&sv);
  for (int64_t j = 0; j < n; ++j) y[j] *= inv;
}

// y = x * scale + mask (mask_step 1: a row; 0: one value), then softmax_row in place.
void masked_softmax_row(int64_t n, const float* __restrict x, float scale, const float* __restrict mask,
                        int64_t mask_step, float* __restrict y) {
  if (mask_step)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + mask[i];
  else
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + mask[0];
  softmax_row(n, y, y);
}

// 16 lanes of min, max and "saw a NaN" (x != x); the comparisons skip NaN, the flag reports it.
void range_loop(int64_t n, const float* __restrict x, float* lo, float* hi) {
  using M16 = int32_t __attribute__((vector_size(64)));
  V16 mn = V16{} + x[0], mx = mn;
  M16 nan = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V16 v;
    load16(&v, x + i);
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
    nan |= v != v;
  }
  float a = mn[0], b = mx[0];
  bool any_nan = false;
  for (int k = 0; k < 16; ++k) {
    a = mn[k] < a ? mn[k] : a;
    b = mx[k] > b ? mx[k] : b;
    any_nan |= nan[k] != 0;
  }
  for (; i < n; ++i) {
    a = x[i] < a ? x[i] : a;
    b = x[i] > b ? x[i] : b;
    any_nan |= x[i] != x[i];
  }
  *lo = any_nan ? std::numeric_limits<float>::quiet_NaN() : a;
  *hi = any_nan ? std::numeric_limits<float>::quiet_NaN() : b;
}

// Sum of double(x[i]) (or of (x[i] - m)^2) in 8 double lanes, lane k taking i = k mod 8, the
// lanes then added in order.
template <bool kSquares>
double sum8(int64_t n, const float* __restrict x, double m) {
  using V8f = float __attribute__((vector_size(32)));
  using V8d = double __attribute__((vector_size(64)));
  const V8d mv = V8d{} + m;
  V8d s = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V8f v;
    std::memcpy(&v, x + i, sizeof v);
    const V8d d = __builtin_convertvector(v, V8d) - mv;
    s += kSquares ? d * d : d;
  }
  for (int k = 0; i < n; ++i, ++k) {
    const double d = double(x[i]) - m;
    s[k] += kSquares ? d * d : d;
  }
  double total = 0;
  for (int k = 0; k < 8; ++k) total += s[k];
  return total;
}

void moments_row(int64_t n, const float* __restrict x, float eps, float* mean, float* inv_std) {
  const double m = sum8<false>(n, x, 0.0) / double(n);
  const double var = sum8<true>(n, x, m) / double(n);
  *mean = static_cast<float>(m);
  *inv_std = static_cast<float>(1.0 / std::sqrt(var + eps));
}

// y is not __restrict: with a residual the normalizing loop reads the sum back from y.
void layer_norm_row(int64_t n, const float* __restrict x, const float* __restrict residual,
                    const float* __restrict gamma, const float* __restrict beta, float eps, float* y, float* mean,
                    float* inv_std) {
  const float* s = x;
  if (residual) {  // the row stays in L1 for the passes below: memory sees x, residual and y once
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] + residual[i];
    s = y;
  }
  moments_row(n, s, eps, mean, inv_std);
  const float m = *mean, inv = *inv_std;
  if (beta)
    for (int64_t i = 0; i < n; ++i) y[i] = (s[i] - m) * inv * gamma[i] + beta[i];
  else
    for (int64_t i = 0; i < n; ++i) y[i] = (s[i] - m) * inv * gamma[i];
}

constexpr VmathKernels vmath_loops() {
  return {map_loop<exp_of>,      map_loop<sigmoid_of>,   map_loop<tanh_of>, map_loop<erf_of>,
          map_loop<gelu_erf_of>, map_loop<gelu_tanh_of>, softmax_row,       range_loop,
          moments_row,           layer_norm_row,         masked_softmax_row};
}

}  // namespace
}  // namespace octet::kernels
