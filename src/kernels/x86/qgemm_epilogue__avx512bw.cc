// GEMM epilogue on zmm: zero-point corrections, then requantize to u8/s8 or dequantize to f32,
// 16 columns at a time with masked tails. Same float operations as qgemm_epilogue__ref, in the
// same order, so the results match it bit for bit.
#include <immintrin.h>

#include "kernels/x86/qgemm_kernels.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {

void qgemm_epilogue__avx512bw(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc,
                              int64_t m0, int64_t n0, const EpilogueParams& params) {
  using Kind = EpilogueParams::Kind;
  // A copy, not the reference: the byte stores below may alias anything, so fields read through
  // a reference would be reloaded after every store.
  const EpilogueParams p = params;
  const __m512 lo = _mm512_set1_ps(float(p.qmin - p.zero_point));
  const __m512 hi = _mm512_set1_ps(float(p.qmax - p.zero_point));
  const __m512i zp = _mm512_set1_epi32(p.zero_point);
  for (int64_t j = 0; j < nc; j += 16) {
    // Per column block: the column terms, scales and mask, the same for every row.
    const int64_t n = n0 + j;
    const __mmask16 k = nc - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (nc - j)) - 1);
    const __m512i col_term = _mm512_maskz_loadu_epi32(k, p.col_term + n);
    const __m512i b_zp = p.b_zero_point ? _mm512_maskz_loadu_epi32(k, p.b_zero_point + n) : _mm512_setzero_si512();
    const __m512 scale = _mm512_maskz_loadu_ps(k, p.scale + n);
    const __m512 bias = p.bias_f32 ? _mm512_maskz_loadu_ps(k, p.bias_f32 + n) : _mm512_setzero_ps();
    for (int64_t i = 0; i < mr; ++i) {
      const int64_t m = m0 + i, at = m * p.ldo + n;
      __m512i acc = _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, tile + i * tile_stride + j), col_term);
      if (p.b_zero_point) acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(p.row_sum[m]), b_zp));
      __m512 v = _mm512_cvtepi32_ps(acc);
      if (p.kind == Kind::dequant_f32) {
        const __m512 row_scale = _mm512_set1_ps(p.row_scale ? p.row_scale[m] : 1.0f);
        _mm512_mask_storeu_ps(static_cast<float*>(p.out) + at, k,
                              _mm512_fmadd_ps(_mm512_mul_ps(v, row_scale), scale, bias));
        continue;
      }
      v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, scale), lo), hi);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), zp);  // already within [qmin, qmax]
      if (p.kind == Kind::requant_u8)
        _mm_mask_storeu_epi8(static_cast<uint8_t*>(p.out) + at, k, _mm512_cvtusepi32_epi8(q));
      else
        _mm_mask_storeu_epi8(static_cast<int8_t*>(p.out) + at, k, _mm512_cvtsepi32_epi8(q));
    }
  }
}

}  // namespace octet::kernels
