// The sink of qgemm_avx512_tile.h that dequantizes a 32-column tile from its registers to fp32
// (dynamic quantization), the stand-alone epilogue's operations (qgemm_epilogue__avx512bw.cc) in
// the same order without the int32 tile's store and reload:
//   y = fma(float(acc) * row_scale[m], scale[n], bias[n])       (kernels/qgemm_ukernel.h)
// With no row scale the multiply by 1 is left out: it is exact. For weights without zero points
// (acc needs no row-sum term). Included only by files compiled with AVX-512 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/qgemm_ukernel.h"

// GCC 12 warns inside its own intrinsics (_mm512_cvtepi32_ps passes _mm512_undefined_ps) wherever
// they inline into a caller; the includers are AVX-512 kernel files only.
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace octet::kernels::avx512 {

template <bool kRowScale>
class DequantSink {
 public:
  DequantSink(const EpilogueParams& p, int64_t m0, int64_t n0)
      : col_term_{_mm512_loadu_si512(p.col_term + n0), _mm512_loadu_si512(p.col_term + n0 + 16)},
        scale_{_mm512_loadu_ps(p.scale + n0), _mm512_loadu_ps(p.scale + n0 + 16)},
        bias_{p.bias_f32 ? _mm512_loadu_ps(p.bias_f32 + n0) : _mm512_setzero_ps(),
              p.bias_f32 ? _mm512_loadu_ps(p.bias_f32 + n0 + 16) : _mm512_setzero_ps()},
        row_scale_(kRowScale ? p.row_scale + m0 : nullptr),
        out_(static_cast<float*>(p.out) + m0 * p.ldo + n0),
        ldo_(p.ldo) {}

  template <int MR>
  void put(const __m512i (&acc)[8][2]) const {
    for (int i = 0; i < MR; ++i)
      for (int h = 0; h < 2; ++h) {
        __m512 v = _mm512_cvtepi32_ps(_mm512_add_epi32(acc[i][h], col_term_[h]));
        if constexpr (kRowScale) v = _mm512_mul_ps(v, _mm512_set1_ps(row_scale_[i]));
        _mm512_storeu_ps(out_ + i * ldo_ + 16 * h, _mm512_fmadd_ps(v, scale_[h], bias_[h]));
      }
  }

 private:
  __m512i col_term_[2];
  __m512 scale_[2], bias_[2];
  const float* row_scale_;  // row m0's, or null
  float* out_;              // row m0, column n0
  int64_t ldo_;
};

}  // namespace octet::kernels::avx512
