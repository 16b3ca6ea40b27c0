// u8 x s8 GEMM microkernels for AVX-512BW without VNNI: up to 8 rows x 32 (or 16, for narrow
// outputs) columns, k in pairs.
// vpmaddubsw would saturate (255 * 127 * 2 > 32767), so both operands are widened at packing time
// (A zero-extended to u16, B sign-extended to s16) and vpmaddwd multiplies exactly: each 32-bit
// lane gets a[k] * b[k] + a[k+1] * b[k+1], |.| <= 2 * 255 * 128, which cannot overflow.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

// MR rows exactly: a GEMV (M = 1) or a short last tile does 1/MR of the full tile's work, not all
// of it. NR = 16 (one zmm of columns) serves N <= 16 without computing 16 columns of padding.
// Named accumulators, not an array: GCC keeps a __m512i array partly in memory and adds register
// copies to the inner loop (measured: ~1.5x slower).
template <int MR, int NR>
void tile(int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  static_assert(NR == 16 || NR == 32);
#define OCTET_ACC(i) __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = _mm512_setzero_si512();
  OCTET_ACC(0) OCTET_ACC(1) OCTET_ACC(2) OCTET_ACC(3) OCTET_ACC(4) OCTET_ACC(5) OCTET_ACC(6) OCTET_ACC(7)
#undef OCTET_ACC
  const auto* bp = static_cast<const int16_t*>(b);
  for (int64_t g = 0; g < kp / 2; ++g, bp += 2 * NR) {
    const __m512i b0 = _mm512_loadu_si512(bp), b1 = NR == 32 ? _mm512_loadu_si512(bp + 32) : b0;
#define OCTET_ROW(i)                                                  \
  if constexpr (i < MR) {                                             \
    int32_t pair;                                                     \
    std::memcpy(&pair, a + i * a_stride + 4 * g, 4);                  \
    const __m512i av = _mm512_set1_epi32(pair);                       \
    c##i##0 = _mm512_add_epi32(c##i##0, _mm512_madd_epi16(av, b0));   \
    if constexpr (NR == 32)                                           \
      c##i##1 = _mm512_add_epi32(c##i##1, _mm512_madd_epi16(av, b1)); \
  }
    OCTET_ROW(0) OCTET_ROW(1) OCTET_ROW(2) OCTET_ROW(3) OCTET_ROW(4) OCTET_ROW(5) OCTET_ROW(6) OCTET_ROW(7)
#undef OCTET_ROW
  }
  const __m512i acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                            {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_si512(c + i * NR, acc[i][0]);
    if constexpr (NR == 32) _mm512_storeu_si512(c + i * NR + 16, acc[i][1]);
  }
}

template <int NR>
void rows(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  switch (mr) {
    case 1: return tile<1, NR>(kp, a, a_stride, b, c);
    case 2: return tile<2, NR>(kp, a, a_stride, b, c);
    case 3: return tile<3, NR>(kp, a, a_stride, b, c);
    case 4: return tile<4, NR>(kp, a, a_stride, b, c);
    case 5: return tile<5, NR>(kp, a, a_stride, b, c);
    case 6: return tile<6, NR>(kp, a, a_stride, b, c);
    case 7: return tile<7, NR>(kp, a, a_stride, b, c);
    default: return tile<8, NR>(kp, a, a_stride, b, c);
  }
}

}  // namespace

void qgemm_u8s8_8x32c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride,
                                 const void* b, int32_t* c) {
  rows<32>(mr, kp, a, a_stride, b, c);
}

void qgemm_u8s8_8x16c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride,
                                 const void* b, int32_t* c) {
  rows<16>(mr, kp, a, a_stride, b, c);
}

}  // namespace octet::kernels
