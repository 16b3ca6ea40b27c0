// The requantizing step every AVX-512 GEMM epilogue shares: the stand-alone epilogue on a stored
// int32 tile (qgemm_epilogue__avx512bw.cc) and the microkernels that requantize straight from
// their registers (qgemm_avx512_tile.h, RequantSink). Two rows of 32 columns at a time:
//   q = clamp(nearbyint(float(acc) * scale) + zero_point, qmin, qmax)     (round_clamp, kernels/qmath.h)
// Only min(hi, v) is done in float; in-lane saturating packs narrow 64 int32 to bytes in 3
// instructions (vpmovusdb takes 2 uops per 16) and clamp at the bottom for free. Below
// qmin - zp, beyond int32 (cvtps2dq gives INT_MIN) or NaN (min(hi, NaN) keeps the NaN, where the
// reference's max(NaN, lo) gives lo, but INT_MIN gets there too), every value saturates to the
// type's minimum, and a byte max raises it to qmin; so the bytes match round_clamp exactly.
// Included only by files compiled with AVX-512BW flags.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "kernels/qgemm_ukernel.h"

// GCC 12 warns inside its own intrinsics (_mm512_undefined_* self-initialises) wherever these
// inline into a caller; the includers are AVX-512 kernel files only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels::avx512 {

struct Requant {
  __m512 hi;           // qmax - zero_point
  __m512i zp16, qmin;  // zero point as int16 lanes, qmin as byte lanes
  bool is_unsigned;

  explicit Requant(const EpilogueParams& p)
      : hi(_mm512_set1_ps(float(p.qmax - p.zero_point))),
        zp16(_mm512_set1_epi16(int16_t(p.zero_point))),
        qmin(_mm512_set1_epi8(char(p.qmin))),
        is_unsigned(p.kind == EpilogueParams::Kind::requant_u8) {}

  // nearbyint(min(hi, float(acc) * scale)); the operand order keeps a NaN (see above).
  __m512i rounded(__m512i acc, __m512 scale) const {
    return _mm512_cvtps_epi32(_mm512_min_ps(hi, _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale)));
  }

  // Writes rounded values (columns 0..15 and 16..31) of row m to out[0..32) and, when
  // `two_rows`, of row m + 1 to out[ldo..ldo + 32). packs interleave 128-bit lanes: lane L of
  // the bytes holds the 4-byte groups (row m, cols 4L..4L+3), (m, 16+4L..), (m+1, 4L..),
  // (m+1, 16+4L..); kRowOrder puts them back as row m's 32 bytes, then row m + 1's.
  void store_row_pair(__m512i r00, __m512i r01, __m512i r10, __m512i r11, uint8_t* out, int64_t ldo,
                      bool two_rows) const {
    const __m512i w0 = _mm512_adds_epi16(_mm512_packs_epi32(r00, r01), zp16);
    const __m512i w1 = _mm512_adds_epi16(_mm512_packs_epi32(r10, r11), zp16);
    const __m512i bytes = is_unsigned ? _mm512_max_epu8(_mm512_packus_epi16(w0, w1), qmin)
                                      : _mm512_max_epi8(_mm512_packs_epi16(w0, w1), qmin);
    const __m512i kRowOrder = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m512i rows = _mm512_permutexvar_epi32(kRowOrder, bytes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_castsi512_si256(rows));
    if (two_rows) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + ldo), _mm512_extracti64x4_epi64(rows, 1));
  }
};

// The residual connection of kernels/qgemm_ukernel.h (ResidualAdd) on 16 outputs, from the
// requantization's float product float(acc) * scale: the code's clamp and rounding in float (the
// rounded float is code - zero_point exactly), then Int8Add's float steps in the order of
// qadd_u8__avx512bw (qelementwise__avx512bw.cc), so the bytes match the two ops run apart. Only
// the sum's upper bound is applied in float; below the range (or NaN) cvtps2dq and the packs of
// `sum` saturate to 0, as Requant does.
struct ResidualStep {
  __m512 code_lo, code_hi;  // qmin - zero_point, qmax - zero_point of the requantized code
  __m512 shift;             // zero_point - out_zp: code - zero_point -> code - out_zp (exact)
  __m512i shortcut_zp;
  __m512 out_m, shortcut_m, hi;  // hi: 255 - y_zp
  __m512i y_zp, qmin;
  Requant sum;  // packs the sum's codes: y_zp, and qmin for a ReLU after the Add

  explicit ResidualStep(const EpilogueParams& p)
      : code_lo(_mm512_set1_ps(float(p.qmin - p.zero_point))),
        code_hi(_mm512_set1_ps(float(p.qmax - p.zero_point))),
        shift(_mm512_set1_ps(float(p.zero_point - p.residual->out_zp))),
        shortcut_zp(_mm512_set1_epi32(p.residual->shortcut_zp)),
        out_m(_mm512_set1_ps(p.residual->out_m)),
        shortcut_m(_mm512_set1_ps(p.residual->shortcut_m)),
        hi(_mm512_set1_ps(float(255 - p.residual->y_zp))),
        y_zp(_mm512_set1_epi32(p.residual->y_zp)),
        qmin(_mm512_set1_epi32(p.residual->qmin)),
        sum(sum_params(p)) {}

  // `product`: float(acc) * scale; `shortcut`: 16 codes. Returns the sum rounded, centred on y_zp
  // (at most 255 - y_zp), for sum.store_row_pair.
  __m512i add(__m512 product, __m128i shortcut) const {
    // max(v, lo) then min(., hi), round_clamp's order (a NaN becomes lo)
    const __m512 clamped = _mm512_min_ps(_mm512_max_ps(product, code_lo), code_hi);
    const __m512 code =
        _mm512_add_ps(_mm512_roundscale_ps(clamped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), shift);
    const __m512 pa = _mm512_mul_ps(code, out_m);
    const __m512 pb =
        _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(shortcut), shortcut_zp)), shortcut_m);
    return _mm512_cvtps_epi32(_mm512_min_ps(hi, _mm512_add_ps(pa, pb)));  // the operand order keeps a NaN
  }
  // The codes of add's result as int32, for a caller that stores 16 at a time without the packs.
  __m512i codes(__m512i centred) const {
    return _mm512_max_epi32(_mm512_max_epi32(_mm512_add_epi32(centred, y_zp), _mm512_setzero_si512()), qmin);
  }

 private:
  static EpilogueParams sum_params(const EpilogueParams& p) {
    EpilogueParams s;
    s.kind = EpilogueParams::Kind::requant_u8;
    s.zero_point = p.residual->y_zp, s.qmin = p.residual->qmin, s.qmax = 255;
    return s;
  }
};

// The sink of qgemm_avx512_tile.h that requantizes a 32-column tile from its registers and writes
// the bytes: the stand-alone epilogue's operations without the int32 tile's store and reload.
// For weights without zero points (acc needs no row-sum term: qgemm_ukernel.h). kResidual: with
// p.residual, added before the store (ResidualStep).
template <bool kResidual>
class RequantSink {
 public:
  RequantSink(const EpilogueParams& p, int64_t m0, int64_t n0)
      : q_(p),
        col_term_{_mm512_loadu_si512(p.col_term + n0), _mm512_loadu_si512(p.col_term + n0 + 16)},
        scale_{_mm512_loadu_ps(p.scale + n0), _mm512_loadu_ps(p.scale + n0 + 16)},
        out_(static_cast<uint8_t*>(p.out) + m0 * p.ldo + n0),
        ldo_(p.ldo),
        residual_(p),
        shortcut_(kResidual ? p.residual->shortcut + m0 * p.residual->ld + n0 : nullptr),
        ld_(kResidual ? p.residual->ld : 0) {}

  template <int MR>
  void put(const __m512i (&acc)[8][2]) const {
    for (int i = 0; i < MR; i += 2) {
      const int i1 = i + 1 < MR ? i + 1 : i;  // an odd last row is done twice, stored once
      if constexpr (kResidual) {
        residual_.sum.store_row_pair(sum(acc[i][0], i, 0), sum(acc[i][1], i, 1), sum(acc[i1][0], i1, 0),
                                     sum(acc[i1][1], i1, 1), out_ + i * ldo_, ldo_, i1 > i);
      } else {
        q_.store_row_pair(rounded(acc[i][0], 0), rounded(acc[i][1], 1), rounded(acc[i1][0], 0), rounded(acc[i1][1], 1),
                          out_ + i * ldo_, ldo_, i1 > i);
      }
    }
  }

 private:
  __m512i rounded(__m512i c, int h) const { return q_.rounded(_mm512_add_epi32(c, col_term_[h]), scale_[h]); }
  // Row i's half h plus the shortcut's 16 codes under it.
  __m512i sum(__m512i c, int i, int h) const {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(shortcut_ + i * ld_ + 16 * h));
    return residual_.add(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(c, col_term_[h])), scale_[h]), s);
  }

  Requant q_;
  __m512i col_term_[2];
  __m512 scale_[2];
  uint8_t* out_;  // row m0, column n0 (int8_t or uint8_t: Requant's packs decide)
  int64_t ldo_;
  struct NoResidual {
    explicit NoResidual(const EpilogueParams&) {}
  };
  std::conditional_t<kResidual, ResidualStep, NoResidual> residual_;
  const uint8_t* shortcut_;  // row m0, column n0
  int64_t ld_;
};

}  // namespace octet::kernels::avx512
