// The 4 x 16 u8 x s8 microkernel over k in groups of 4 (c4 packing), for the ymm ISAs: `dot(acc,
// a, b)` adds, in each 32-bit lane, the four products of a's and b's bytes in that lane. Included
// only by ISA files, each compiled with its own flags and passing its own lambda (a distinct
// instantiation per file): AVX-VNNI's vpdpbusd, AVX2's vpmaddubsw + vpmaddwd for 7-bit activations.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace octet::kernels {

template <class Dot>
inline void qgemm_u8s8_4x16c4(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c,
                              Dot dot) {
  constexpr int MR = 4;
  const uint8_t* rows[MR];
  for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  __m256i acc[MR][2];
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
  for (int i = 0; i < mr; ++i) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16 + 8), acc[i][1]);
  }
}

}  // namespace octet::kernels
