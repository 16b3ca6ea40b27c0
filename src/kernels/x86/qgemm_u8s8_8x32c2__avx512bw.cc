// u8 x s8 GEMM microkernel for AVX-512BW without VNNI: 8 rows x 32 columns, k in pairs.
// vpmaddubsw would saturate (255 * 127 * 2 > 32767), so both operands are widened at packing time
// (A zero-extended to u16, B sign-extended to s16) and vpmaddwd multiplies exactly: each 32-bit
// lane gets a[k] * b[k] + a[k+1] * b[k+1], |.| <= 2 * 255 * 128, which cannot overflow.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_u8s8_8x32c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride,
                                 const void* b, int32_t* c) {
  constexpr int MR = 8;
  // Rows past mr repeat the last row: computed, never stored, and the loop stays branch-free.
  const uint8_t* rows[MR];
  for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  __m512i acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  const auto* bp = static_cast<const int16_t*>(b);
  for (int64_t g = 0; g < kp / 2; ++g, bp += 64) {
    __m512i b0 = _mm512_loadu_si512(bp), b1 = _mm512_loadu_si512(bp + 32);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      int32_t pair;  // a[k], a[k+1] as two u16
      std::memcpy(&pair, rows[i] + 4 * g, 4);
      __m512i av = _mm512_set1_epi32(pair);
      acc[i][0] = _mm512_add_epi32(acc[i][0], _mm512_madd_epi16(av, b0));
      acc[i][1] = _mm512_add_epi32(acc[i][1], _mm512_madd_epi16(av, b1));
    }
  }
  for (int i = 0; i < mr; ++i) {
    _mm512_storeu_si512(c + i * 32, acc[i][0]);
    _mm512_storeu_si512(c + i * 32 + 16, acc[i][1]);
  }
}

}  // namespace octet::kernels
