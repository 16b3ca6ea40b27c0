// Int8Add, Int8Mul and table lookups on ymm: 8 sums or products (32 lookups) at a time, the
// tail by the scalar reference. The float operations of kernels/ref/qelementwise_ref.cc in the same order (the exact
// int32 product, cvtdq2ps, mulps, maxps/minps, cvtps2dq round-to-nearest-even), so the results
// match it bit for bit.
#include <immintrin.h>

#include "kernels/ref/qelementwise_ref.h"
#include "kernels/x86/quantize_kernels.h"

namespace octet::kernels {
namespace {

template <bool kStep>
__m256i centered_int(const uint8_t* x, __m256i zp) {
  if constexpr (kStep) {
    return _mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x))), zp);
  }
  return _mm256_sub_epi32(_mm256_set1_epi32(x[0]), zp);
}

// Stores saturate(round(v) + zp) for 8 values, v clamped to [-zp, 255 - zp] first (round_clamp).
void store_u8(uint8_t* y, __m256 v, __m256 lo, __m256 hi, __m256i zp) {
  v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
  const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);  // in 0..255 after the clamp
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm_packus_epi16(w, w));
}

template <bool kAStep, bool kBStep>
int64_t qmul_loop(int64_t n, const uint8_t* a, int32_t a_zp, const uint8_t* b, int32_t b_zp, float m, int32_t y_zp,
                  uint8_t* y) {
  const __m256i za = _mm256_set1_epi32(a_zp), zb = _mm256_set1_epi32(b_zp), zy = _mm256_set1_epi32(y_zp);
  const __m256 vm = _mm256_set1_ps(m);
  const __m256 lo = _mm256_set1_ps(float(-y_zp)), hi = _mm256_set1_ps(float(255 - y_zp));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i prod = _mm256_mullo_epi32(centered_int<kAStep>(a + (kAStep ? i : 0), za),
                                            centered_int<kBStep>(b + (kBStep ? i : 0), zb));
    store_u8(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(prod), vm), lo, hi, zy);
  }
  return i;
}

}  // namespace

void qadd_u8__avx2(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                   int32_t y_zp, uint8_t* y) {
  const __m256i za = _mm256_set1_epi32(a_zp), zb = _mm256_set1_epi32(b_zp), zy = _mm256_set1_epi32(y_zp);
  const __m256 va = _mm256_set1_ps(ma), vb = _mm256_set1_ps(mb);
  const __m256 lo = _mm256_set1_ps(float(-y_zp)), hi = _mm256_set1_ps(float(255 - y_zp));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // Two roundings, then the sum, as qadd_u8__ref.
    const __m256 pa = _mm256_mul_ps(_mm256_cvtepi32_ps(centered_int<true>(a + i, za)), va);
    const __m256 pb = _mm256_mul_ps(_mm256_cvtepi32_ps(centered_int<true>(b + i, zb)), vb);
    store_u8(y + i, _mm256_add_ps(pa, pb), lo, hi, zy);
  }
  qadd_u8__ref(n - i, a + i, a_zp, ma, b + i, b_zp, mb, y_zp, y + i);
}

void requantize_u8__avx2(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y) {
  const __m256i zx = _mm256_set1_epi32(x_zp), zy = _mm256_set1_epi32(y_zp);
  const __m256 m = _mm256_set1_ps(multiplier);
  const __m256 lo = _mm256_set1_ps(float(-y_zp)), hi = _mm256_set1_ps(float(255 - y_zp));
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    store_u8(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(centered_int<true>(x + i, zx)), m), lo, hi, zy);
  requantize_u8__ref(n - i, x + i, x_zp, multiplier, y_zp, y + i);
}

void qmul_u8__avx2(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                   int32_t b_zp, float m, int32_t y_zp, uint8_t* y) {
  int64_t done = 0;
  if (a_step && b_step) done = qmul_loop<true, true>(n, a, a_zp, b, b_zp, m, y_zp, y);
  else if (a_step) done = qmul_loop<true, false>(n, a, a_zp, b, b_zp, m, y_zp, y);
  else if (b_step) done = qmul_loop<false, true>(n, a, a_zp, b, b_zp, m, y_zp, y);
  qmul_u8__ref(n - done, a + done * a_step, a_step, a_zp, b + done * b_step, b_step, b_zp, m, y_zp, y + done);
}

void lookup_u8__avx2(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  // Row r of the table (entries 16r .. 16r+15) in both 128-bit lanes, for vpshufb.
  __m256i rows[16];
  for (int r = 0; r < 16; ++r)
    rows[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * r)));
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i col = _mm256_and_si256(v, low4), row = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    __m256i out = _mm256_setzero_si256();
    for (int r = 0; r < 16; ++r)
      out =
          _mm256_blendv_epi8(out, _mm256_shuffle_epi8(rows[r], col), _mm256_cmpeq_epi8(row, _mm256_set1_epi8(char(r))));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), out);
  }
  lookup_u8__ref(n - i, x + i, table, y + i);
}

}  // namespace octet::kernels
