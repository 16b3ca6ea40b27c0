// The 4 x 16 u8 x s8 microkernel over k in groups of 4 (c4 packing), for the ymm ISAs: `dot(acc,
// a, b)` adds, in each 32-bit lane, the four products of a's and b's bytes in that lane. Included
// only by ISA files, each compiled with its own flags and passing its own lambda (a distinct
// instantiation per file): AVX-VNNI's vpdpbusd, AVX2's vpmaddubsw + vpmaddwd when one operand is
// 7-bit. The plain kernel stores the int32 tile; the fused one applies the epilogue from the
// registers (qgemm_avx2_epilogue.h), as the c2 kernel does.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/x86/qgemm_avx2_epilogue.h"

namespace octet::kernels::c4x16 {

constexpr int MR = 4;

template <class Dot>
inline void accumulate(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, __m256i (&acc)[MR][2],
                       Dot dot) {
  const uint8_t* rows[MR];
  for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const auto* bp = static_cast<const int8_t*>(b);
  for (int64_t g = 0; g < kp / 4; ++g, bp += 64) {
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 32));
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      int32_t quad;
      std::memcpy(&quad, rows[i] + 4 * g, 4);
      __m256i av = _mm256_set1_epi32(quad);
      acc[i][0] = dot(acc[i][0], av, b0);
      acc[i][1] = dot(acc[i][1], av, b1);
    }
  }
}

template <class Dot>
inline void store(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c, Dot dot) {
  __m256i acc[MR][2];
  accumulate(mr, kp, a, a_stride, b, acc, dot);
  for (int i = 0; i < mr; ++i) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16 + 8), acc[i][1]);
  }
}

template <class Dot>
inline void fused(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int64_t m0, int64_t n0,
                  const EpilogueParams& p, Dot dot) {
  __m256i acc[MR][2];
  accumulate(mr, kp, a, a_stride, b, acc, dot);
  avx2::put_tile(p, acc, mr, m0, n0);
}

}  // namespace octet::kernels::c4x16
