// Int8Add, Int8Mul and requantization on zmm, 16 codes at a time with masked tails: the float
// operations of kernels/ref/qelementwise_ref.cc in the same order (cvtdq2ps, mulps, addps,
// maxps/minps, cvtps2dq in round-to-nearest-even), so the results match it bit for bit. Table
// lookups 64 codes at a time, 16 vpshufb over the table's 16-byte rows (the VBMI path is
// lookup_u8__avx512vbmi.cc).
#include <immintrin.h>

#include "kernels/x86/quantize_kernels.h"

// GCC 12 warns inside its own masked-load and broadcast intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace octet::kernels {
namespace {

__mmask16 tail_mask(int64_t left) { return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1); }

// float(x - zp) for 16 codes.
__m512 centered(const uint8_t* x, __mmask16 k, __m512i zp) {
  return _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, x)), zp));
}

// Stores saturate(round(v) + zp) with v clamped to [-zp, 255 - zp] first, as round_clamp does.
void store_u8(uint8_t* y, __mmask16 k, __m512 v, __m512 lo, __m512 hi, __m512i zp) {
  v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
  _mm_mask_storeu_epi8(y, k, _mm512_cvtusepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(v), zp)));
}

// The integer x - zp of 16 codes, or of one code repeated (kStep false).
template <bool kStep>
__m512i centered_int(const uint8_t* x, __mmask16 k, __m512i zp) {
  if constexpr (kStep) return _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, x)), zp);
  return _mm512_sub_epi32(_mm512_set1_epi32(x[0]), zp);
}

template <bool kAStep, bool kBStep>
void qmul_loop(int64_t n, const uint8_t* a, int32_t a_zp, const uint8_t* b, int32_t b_zp, float m, int32_t y_zp,
               uint8_t* y) {
  const __m512i za = _mm512_set1_epi32(a_zp), zb = _mm512_set1_epi32(b_zp), zy = _mm512_set1_epi32(y_zp);
  const __m512 vm = _mm512_set1_ps(m);
  const __m512 lo = _mm512_set1_ps(float(-y_zp)), hi = _mm512_set1_ps(float(255 - y_zp));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask(n - i);
    const __m512i prod = _mm512_mullo_epi32(centered_int<kAStep>(a + (kAStep ? i : 0), k, za),
                                            centered_int<kBStep>(b + (kBStep ? i : 0), k, zb));
    store_u8(y + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(prod), vm), lo, hi, zy);
  }
}

}  // namespace

void qmul_u8__avx512bw(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                       int32_t b_zp, float m, int32_t y_zp, uint8_t* y) {
  if (a_step && b_step) return qmul_loop<true, true>(n, a, a_zp, b, b_zp, m, y_zp, y);
  if (a_step) return qmul_loop<true, false>(n, a, a_zp, b, b_zp, m, y_zp, y);
  if (b_step) return qmul_loop<false, true>(n, a, a_zp, b, b_zp, m, y_zp, y);
  qmul_loop<false, false>(n, a, a_zp, b, b_zp, m, y_zp, y);
}

void lookup_u8__avx512bw(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  // Row r of the table (entries 16r .. 16r+15) in every 128-bit lane, for vpshufb.
  __m512i rows[16];
  for (int r = 0; r < 16; ++r)
    rows[r] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table + 16 * r)));
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 k = n - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(k, x + i);
    const __m512i col = _mm512_and_si512(v, low4), row = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
    __m512i out = _mm512_setzero_si512();
    for (int r = 0; r < 16; ++r)
      out = _mm512_mask_shuffle_epi8(out, _mm512_cmpeq_epi8_mask(row, _mm512_set1_epi8(char(r))), rows[r], col);
    _mm512_mask_storeu_epi8(y + i, k, out);
  }
}

void qadd_u8__avx512bw(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                       int32_t y_zp, uint8_t* y) {
  const __m512i za = _mm512_set1_epi32(a_zp), zb = _mm512_set1_epi32(b_zp), zy = _mm512_set1_epi32(y_zp);
  const __m512 va = _mm512_set1_ps(ma), vb = _mm512_set1_ps(mb);
  const __m512 lo = _mm512_set1_ps(float(-y_zp)), hi = _mm512_set1_ps(float(255 - y_zp));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask(n - i);
    const __m512 pa = _mm512_mul_ps(centered(a + i, k, za), va), pb = _mm512_mul_ps(centered(b + i, k, zb), vb);
    store_u8(y + i, k, _mm512_add_ps(pa, pb), lo, hi, zy);
  }
}

void requantize_u8__avx512bw(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y) {
  const __m512i zx = _mm512_set1_epi32(x_zp), zy = _mm512_set1_epi32(y_zp);
  const __m512 m = _mm512_set1_ps(multiplier);
  const __m512 lo = _mm512_set1_ps(float(-y_zp)), hi = _mm512_set1_ps(float(255 - y_zp));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = tail_mask(n - i);
    store_u8(y + i, k, _mm512_mul_ps(centered(x + i, k, zx), m), lo, hi, zy);
  }
}

}  // namespace octet::kernels
