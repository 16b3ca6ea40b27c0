// u8 x s8 GEMM microkernel for AVX-512BW without VNNI, for activations known to be 7-bit
// (0..127, e.g. PyTorch's reduce_range on x86): 8 rows x 32 columns, k in groups of 4, operands
// kept 8-bit (the VNNI layout). vpmaddubsw forms a[k] * b[k] + a[k+1] * b[k+1] in int16, exact
// because |.| <= 2 * 127 * 128 = 32512 <= 32767; vpmaddwd with ones sums the two pairs into int32.
// 3 uops per 64 multiply-adds against 4 per 64 for the exact 16-bit path (vpmaddwd + vpaddd, c2).
// With an activation >= 128 vpmaddubsw saturates and the result is WRONG: the caller opts in
// (KernelTable::qgemm_7bit), nothing here checks.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

namespace {

// MR rows exactly (see qgemm_u8s8_8x32c2__avx512bw.cc); named accumulators, not an array.
template <int MR>
void tile(int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
#define OCTET_ACC(i) __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = _mm512_setzero_si512();
  OCTET_ACC(0) OCTET_ACC(1) OCTET_ACC(2) OCTET_ACC(3) OCTET_ACC(4) OCTET_ACC(5) OCTET_ACC(6) OCTET_ACC(7)
#undef OCTET_ACC
  const __m512i ones = _mm512_set1_epi16(1);
  const auto* bp = static_cast<const int8_t*>(b);
  for (int64_t g = 0; g < kp / 4; ++g, bp += 128) {
    const __m512i b0 = _mm512_loadu_si512(bp), b1 = _mm512_loadu_si512(bp + 64);
#define OCTET_ROW(i)                                                                                \
  if constexpr (i < MR) {                                                                           \
    int32_t quad;                                                                                   \
    std::memcpy(&quad, a + i * a_stride + 4 * g, 4);                                                \
    const __m512i av = _mm512_set1_epi32(quad);                                                     \
    c##i##0 = _mm512_add_epi32(c##i##0, _mm512_madd_epi16(_mm512_maddubs_epi16(av, b0), ones));    \
    c##i##1 = _mm512_add_epi32(c##i##1, _mm512_madd_epi16(_mm512_maddubs_epi16(av, b1), ones));    \
  }
    OCTET_ROW(0) OCTET_ROW(1) OCTET_ROW(2) OCTET_ROW(3) OCTET_ROW(4) OCTET_ROW(5) OCTET_ROW(6) OCTET_ROW(7)
#undef OCTET_ROW
  }
  const __m512i acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                            {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_si512(c + i * 32, acc[i][0]);
    _mm512_storeu_si512(c + i * 32 + 16, acc[i][1]);
  }
}

}  // namespace

void qgemm_u8s8_8x32c4__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride,
                                 const void* b, int32_t* c) {
  switch (mr) {
    case 1: return tile<1>(kp, a, a_stride, b, c);
    case 2: return tile<2>(kp, a, a_stride, b, c);
    case 3: return tile<3>(kp, a, a_stride, b, c);
    case 4: return tile<4>(kp, a, a_stride, b, c);
    case 5: return tile<5>(kp, a, a_stride, b, c);
    case 6: return tile<6>(kp, a, a_stride, b, c);
    case 7: return tile<7>(kp, a, a_stride, b, c);
    default: return tile<8>(kp, a, a_stride, b, c);
  }
}

}  // namespace octet::kernels
