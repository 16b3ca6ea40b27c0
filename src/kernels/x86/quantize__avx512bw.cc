// QuantizeLinear / DequantizeLinear on zmm, 16 values at a time with masked tails: the same
// float operations as kernels/ref/qelementwise_ref.cc (divps, maxps/minps, cvtps2dq in
// round-to-nearest-even, saturating narrow), so the results match it bit for bit.
#include <immintrin.h>

#include "kernels/x86/quantize_kernels.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {
namespace {

__mmask16 tail_mask(int64_t left) { return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1); }

// Rounded, clamped integers of x / scale + zp for 16 lanes (bounds given relative to zp).
__m512i quantize16(__m512 x, __m512 scale, __m512 lo, __m512 hi, __m512i zp) {
  __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_div_ps(x, scale), lo), hi);
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), zp);
}

}  // namespace

void quantize_f32_u8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y) {
  const __m512 s = _mm512_set1_ps(scale), lo = _mm512_set1_ps(float(-zp)), hi = _mm512_set1_ps(float(255 - zp));
  const __m512i z = _mm512_set1_epi32(zp);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tail_mask(n - i);
    __m512i q = quantize16(_mm512_maskz_loadu_ps(k, x + i), s, lo, hi, z);
    _mm_mask_storeu_epi8(y + i, k, _mm512_cvtusepi32_epi8(q));
  }
}

void quantize_f32_s8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, int8_t* y) {
  const __m512 s = _mm512_set1_ps(scale), lo = _mm512_set1_ps(float(-128 - zp)), hi = _mm512_set1_ps(float(127 - zp));
  const __m512i z = _mm512_set1_epi32(zp);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tail_mask(n - i);
    __m512i q = quantize16(_mm512_maskz_loadu_ps(k, x + i), s, lo, hi, z);
    _mm_mask_storeu_epi8(y + i, k, _mm512_cvtsepi32_epi8(q));
  }
}

void dequantize_u8_f32__avx512bw(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zp);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tail_mask(n - i);
    __m512i q = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, x + i)), z);
    _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(q), s));
  }
}

void dequantize_s8_f32__avx512bw(int64_t n, const int8_t* x, float scale, int32_t zp, float* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512i z = _mm512_set1_epi32(zp);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = tail_mask(n - i);
    __m512i q = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, x + i)), z);
    _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(q), s));
  }
}

}  // namespace octet::kernels
