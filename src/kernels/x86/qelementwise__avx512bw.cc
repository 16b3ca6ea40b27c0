// QLinearAdd and requantization on zmm, 16 codes at a time with masked tails: the float
// operations of kernels/ref/qelementwise_ref.cc in the same order (cvtdq2ps, mulps, addps,
// maxps/minps, cvtps2dq in round-to-nearest-even), so the results match it bit for bit.
#include <immintrin.h>

#include "kernels/x86/quantize_kernels.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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

}  // namespace

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
