// GEMM epilogue on ymm, 8 columns at a time; the column tail goes through the scalar reference,
// which performs the same float operations (so every element matches qgemm_epilogue__ref).
#include <immintrin.h>

#include "kernels/ref/qgemm_ref.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_epilogue__avx2(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc,
                          int64_t m0, int64_t n0, const EpilogueParams& params) {
  using Kind = EpilogueParams::Kind;
  // A copy, not the reference: the byte stores below may alias anything, so fields read through
  // a reference would be reloaded after every store.
  const EpilogueParams p = params;
  const __m256 lo = _mm256_set1_ps(float(p.qmin - p.zero_point));
  const __m256 hi = _mm256_set1_ps(float(p.qmax - p.zero_point));
  const __m256i zp = _mm256_set1_epi32(p.zero_point);
  auto load = [](const int32_t* x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)); };
  for (int64_t i = 0; i < mr; ++i) {
    int64_t m = m0 + i, j = 0;
    __m256i row_sum = _mm256_set1_epi32(p.b_zero_point ? p.row_sum[m] : 0);
    const __m256 row_scale = _mm256_set1_ps(p.row_scale ? p.row_scale[m] : 1.0f);
    for (; j + 8 <= nc; j += 8) {
      int64_t n = n0 + j, at = m * p.ldo + n;
      __m256i acc = _mm256_add_epi32(load(tile + i * tile_stride + j), load(p.col_term + n));
      if (p.b_zero_point) acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(row_sum, load(p.b_zero_point + n)));
      if (p.kind == Kind::int32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<int32_t*>(p.out) + at), acc);
        continue;
      }
      __m256 v = _mm256_cvtepi32_ps(acc);
      __m256 scale = _mm256_loadu_ps(p.scale + n);
      if (p.kind == Kind::dequant_f32) {
        __m256 bias = p.bias_f32 ? _mm256_loadu_ps(p.bias_f32 + n) : _mm256_setzero_ps();
        _mm256_storeu_ps(static_cast<float*>(p.out) + at, _mm256_fmadd_ps(_mm256_mul_ps(v, row_scale), scale, bias));
        continue;
      }
      v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v, scale), lo), hi);
      __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);  // already within [qmin, qmax]
      __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      __m128i q8 = p.kind == Kind::requant_u8 ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(p.out) + at), q8);
    }
    for (; j < nc; ++j) qgemm_epilogue_one__ref(tile[i * tile_stride + j], m, n0 + j, p);
  }
}

}  // namespace octet::kernels
