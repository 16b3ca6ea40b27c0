// The epilogue of 8 columns of one row on ymm, shared by the stand-alone AVX2 epilogue on a stored
// int32 tile (qgemm_epilogue__avx2.cc) and the AVX2 microkernel that applies it straight from its
// registers (qgemm_u8s8_4x16c2__avx2.cc, qgemm_4x16c4.h): the float operations of kernels/ref/qgemm_ref.cc in the
// same order, so every element matches qgemm_epilogue__ref. Included only by files compiled with
// AVX2 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/qgemm_ukernel.h"

namespace octet::kernels::avx2 {

class Epilogue8 {
 public:
  explicit Epilogue8(const EpilogueParams& p)
      : p_(p),
        lo_(_mm256_set1_ps(float(p.qmin - p.zero_point))),
        hi_(_mm256_set1_ps(float(p.qmax - p.zero_point))),
        zp_(_mm256_set1_epi32(p.zero_point)) {
    if (!p.residual) return;
    const ResidualAdd& r = *p.residual;
    shortcut_ = r.shortcut, shortcut_ld_ = r.ld;
    out_zp_ = _mm256_set1_epi32(r.out_zp), shortcut_zp_ = _mm256_set1_epi32(r.shortcut_zp);
    sum_zp_ = _mm256_set1_epi32(r.y_zp), sum_qmin_ = _mm256_set1_epi32(r.qmin);
    out_m_ = _mm256_set1_ps(r.out_m), shortcut_m_ = _mm256_set1_ps(r.shortcut_m);
    sum_lo_ = _mm256_set1_ps(float(-r.y_zp)), sum_hi_ = _mm256_set1_ps(float(255 - r.y_zp));
  }

  // Columns n .. n + 7 of row m from `acc` (the GEMM's C plus nothing yet); `row_sum` is row m's
  // row-sum term (used only with weight zero points), `row_scale` its dequant scale.
  void put(__m256i acc, int64_t m, int64_t n, __m256i row_sum, __m256 row_scale) const {
    using Kind = EpilogueParams::Kind;
    const int64_t at = m * p_.ldo + n;
    acc = _mm256_add_epi32(acc, load(p_.col_term + n));
    if (p_.b_zero_point) acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(row_sum, load(p_.b_zero_point + n)));
    if (p_.kind == Kind::int32) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(static_cast<int32_t*>(p_.out) + at), acc);
      return;
    }
    __m256 v = _mm256_cvtepi32_ps(acc);
    const __m256 scale = _mm256_loadu_ps(p_.scale + n);
    if (p_.kind == Kind::dequant_f32) {
      const __m256 bias = p_.bias_f32 ? _mm256_loadu_ps(p_.bias_f32 + n) : _mm256_setzero_ps();
      _mm256_storeu_ps(static_cast<float*>(p_.out) + at, _mm256_fmadd_ps(_mm256_mul_ps(v, row_scale), scale, bias));
      return;
    }
    v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v, scale), lo_), hi_);
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp_);  // already within [qmin, qmax]
    if (p_.residual) q = add_residual(q, m, n);
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i q8 = p_.kind == Kind::requant_u8 ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(p_.out) + at), q8);
  }

  // The residual connection (kernels/qgemm_ukernel.h, ResidualAdd) on the codes q of row m, columns
  // n .. n + 7: Int8Add's float steps in the order of qadd_u8__avx2, then the ReLU after the Add.
  __m256i add_residual(__m256i q, int64_t m, int64_t n) const {
    const __m128i s = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(shortcut_ + m * shortcut_ld_ + n));
    const __m256 pa = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, out_zp_)), out_m_);
    const __m256 pb =
        _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(s), shortcut_zp_)), shortcut_m_);
    const __m256 sum = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(pa, pb), sum_lo_), sum_hi_);
    return _mm256_max_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(sum), sum_zp_), sum_qmin_);
  }

  __m256i row_sum(int64_t m) const { return _mm256_set1_epi32(p_.b_zero_point ? p_.row_sum[m] : 0); }
  __m256 row_scale(int64_t m) const { return _mm256_set1_ps(p_.row_scale ? p_.row_scale[m] : 1.0f); }

 private:
  static __m256i load(const int32_t* x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)); }

  // A copy, not a reference: the byte stores may alias anything, so fields read through a
  // reference would be reloaded after every store.
  const EpilogueParams p_;
  const __m256 lo_, hi_;
  const __m256i zp_;
  // p_.residual's values, read here once (set only with a residual)
  const uint8_t* shortcut_ = nullptr;
  int64_t shortcut_ld_ = 0;
  __m256i out_zp_{}, shortcut_zp_{}, sum_zp_{}, sum_qmin_{};
  __m256 out_m_{}, shortcut_m_{}, sum_lo_{}, sum_hi_{};
};

// A microkernel's mr x 16 tile, rows m0.., columns n0.. (two ymm per row), through the epilogue.
template <int MR>
inline void put_tile(const EpilogueParams& p, const __m256i (&acc)[MR][2], int64_t mr, int64_t m0, int64_t n0) {
  const Epilogue8 ep(p);
  for (int i = 0; i < mr; ++i) {
    const __m256i row_sum = ep.row_sum(m0 + i);
    const __m256 row_scale = ep.row_scale(m0 + i);
    ep.put(acc[i][0], m0 + i, n0, row_sum, row_scale);
    ep.put(acc[i][1], m0 + i, n0 + 8, row_sum, row_scale);
  }
}

}  // namespace octet::kernels::avx2
