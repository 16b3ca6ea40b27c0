// GEMM epilogue on zmm: zero-point corrections, then requantize to u8/s8, dequantize to f32 or
// store the int32 accumulators.
// Requantization takes two rows of 32 columns at a time (avx512::Requant), other widths 16 columns
// at a time with masked tails; a residual (kernels/qgemm_ukernel.h) is added before the store
// (avx512::ResidualStep). Same float operations as qgemm_epilogue__ref, in the same order, so
// the results match it bit for bit.
#include <immintrin.h>

#include <optional>

#include "kernels/x86/qgemm_avx512_requant.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

// One block of up to 16 columns: what is the same for every row.
struct Columns {
  __mmask16 k;
  __m512i col_term, b_zp;
  __m512 scale;

  Columns(const EpilogueParams& p, int64_t n, int64_t count)
      : k(count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1)),
        col_term(_mm512_maskz_loadu_epi32(k, p.col_term + n)),
        b_zp(p.b_zero_point ? _mm512_maskz_loadu_epi32(k, p.b_zero_point + n) : _mm512_setzero_si512()),
        scale(p.scale ? _mm512_maskz_loadu_ps(k, p.scale + n) : _mm512_setzero_ps()) {}  // int32: none

  // acc of row m (qgemm_ukernel.h), whose int32 tile values start at `c`.
  __m512i accumulator(const int32_t* c, int64_t m, const EpilogueParams& p) const {
    __m512i acc = _mm512_add_epi32(_mm512_maskz_loadu_epi32(k, c), col_term);
    if (p.b_zero_point) acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(p.row_sum[m]), b_zp));
    return acc;
  }
};

}  // namespace

void qgemm_epilogue__avx512bw(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                              const EpilogueParams& params) {
  using Kind = EpilogueParams::Kind;
  // A copy, not the reference: the byte stores below may alias anything, so fields read through
  // a reference would be reloaded after every store.
  const EpilogueParams p = params;
  int64_t j = 0;
  std::optional<avx512::ResidualStep> residual;
  if (p.residual) residual.emplace(p);
  // The shortcut's 16 codes (k of them) under row m, column n.
  auto shortcut = [&](int64_t m, int64_t n, __mmask16 k) {
    return _mm_maskz_loadu_epi8(k, p.residual->shortcut + m * p.residual->ld + n);
  };
  if (p.kind == Kind::requant_u8 || p.kind == Kind::requant_s8) {
    const avx512::Requant q(p);
    const avx512::Requant& store = residual ? residual->sum : q;
    uint8_t* out = static_cast<uint8_t*>(p.out);  // int8_t or uint8_t: Requant's packs decide
    for (; j + 32 <= nc; j += 32) {
      const Columns cols[2] = {Columns(p, n0 + j, 16), Columns(p, n0 + j + 16, 16)};
      // Half h of row m (tile values at c): requantized, and the residual added if any.
      auto value = [&](const int32_t* c, int64_t m, int h) {
        const __m512i acc = cols[h].accumulator(c + 16 * h, m, p);
        if (!residual) return q.rounded(acc, cols[h].scale);
        return residual->add(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), cols[h].scale),
                             shortcut(m, n0 + j + 16 * h, 0xFFFF));
      };
      for (int64_t i = 0; i < mr; i += 2) {
        const int64_t m = m0 + i, m1 = i + 1 < mr ? m + 1 : m;  // an odd last row is done twice, stored once
        const int32_t* c = tile + i * tile_stride + j;
        const int32_t* c1 = c + (m1 - m) * tile_stride;
        store.store_row_pair(value(c, m, 0), value(c, m, 1), value(c1, m1, 0), value(c1, m1, 1),
                             out + m * p.ldo + n0 + j, p.ldo, m1 > m);
      }
    }
  }
  const __m512 lo = _mm512_set1_ps(float(p.qmin - p.zero_point));
  const __m512 hi = _mm512_set1_ps(float(p.qmax - p.zero_point));
  const __m512i zp = _mm512_set1_epi32(p.zero_point);
  for (; j < nc; j += 16) {
    const int64_t n = n0 + j;
    const Columns cols(p, n, nc - j);
    const __m512 bias = p.bias_f32 ? _mm512_maskz_loadu_ps(cols.k, p.bias_f32 + n) : _mm512_setzero_ps();
    for (int64_t i = 0; i < mr; ++i) {
      const int64_t m = m0 + i, at = m * p.ldo + n;
      const __m512i acc = cols.accumulator(tile + i * tile_stride + j, m, p);
      if (p.kind == Kind::int32) {
        _mm512_mask_storeu_epi32(static_cast<int32_t*>(p.out) + at, cols.k, acc);
        continue;
      }
      const __m512 v = _mm512_cvtepi32_ps(acc);
      if (p.kind == Kind::dequant_f32) {
        const __m512 row_scale = _mm512_set1_ps(p.row_scale ? p.row_scale[m] : 1.0f);
        _mm512_mask_storeu_ps(static_cast<float*>(p.out) + at, cols.k,
                              _mm512_fmadd_ps(_mm512_mul_ps(v, row_scale), cols.scale, bias));
        continue;
      }
      // Clamped in float to [qmin - zp, qmax - zp], as round_clamp does, then rounded.
      const __m512 clamped = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, cols.scale), lo), hi);
      __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(clamped), zp);  // already within [qmin, qmax]
      if (residual) q = residual->codes(residual->add(_mm512_mul_ps(v, cols.scale), shortcut(m, n, cols.k)));
      if (p.kind == Kind::requant_u8)
        _mm_mask_storeu_epi8(static_cast<uint8_t*>(p.out) + at, cols.k, _mm512_cvtusepi32_epi8(q));
      else _mm_mask_storeu_epi8(static_cast<int8_t*>(p.out) + at, cols.k, _mm512_cvtsepi32_epi8(q));
    }
  }
}

}  // namespace octet::kernels
