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

// The sink of qgemm_avx512_tile.h that requantizes a 32-column tile from its registers and writes
// the bytes: the stand-alone epilogue's operations without the int32 tile's store and reload.
// For weights without zero points (acc needs no row-sum term: qgemm_ukernel.h).
class RequantSink {
 public:
  RequantSink(const EpilogueParams& p, int64_t m0, int64_t n0)
      : q_(p),
        col_term_{_mm512_loadu_si512(p.col_term + n0), _mm512_loadu_si512(p.col_term + n0 + 16)},
        scale_{_mm512_loadu_ps(p.scale + n0), _mm512_loadu_ps(p.scale + n0 + 16)},
        out_(static_cast<uint8_t*>(p.out) + m0 * p.ldo + n0),
        ldo_(p.ldo) {}

  template <int MR>
  void put(const __m512i (&acc)[8][2]) const {
    for (int i = 0; i < MR; i += 2) {
      const int i1 = i + 1 < MR ? i + 1 : i;  // an odd last row is done twice, stored once
      q_.store_row_pair(rounded(acc[i][0], 0), rounded(acc[i][1], 1), rounded(acc[i1][0], 0), rounded(acc[i1][1], 1),
                        out_ + i * ldo_, ldo_, i1 > i);
    }
  }

 private:
  __m512i rounded(__m512i c, int h) const { return q_.rounded(_mm512_add_epi32(c, col_term_[h]), scale_[h]); }

  Requant q_;
  __m512i col_term_[2];
  __m512 scale_[2];
  uint8_t* out_;  // row m0, column n0 (int8_t or uint8_t: Requant's packs decide)
  int64_t ldo_;
};

}  // namespace octet::kernels::avx512
