// u8 x s8 GEMM microkernel for AVX512-VNNI: 8 rows x 32 columns, k in groups of 4.
// vpdpbusd adds a[k..k+3] . b[k..k+3] to each 32-bit lane without intermediate saturation, so the
// operands stay 8-bit. Same structure as qgemm_u8s8_8x32c2__avx512bw.cc; only the dot product
// (and therefore the k-group size) differs. UNTESTED on the development machine (no VNNI):
// the packing, driver and epilogue it relies on are tested through its scalar twin.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_u8s8_8x32c4__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride,
                                   const void* b, int32_t* c) {
  // Named accumulators, not an array: GCC keeps a __m512i array partly in memory and adds
  // register copies to the inner loop (measured: ~1.5x slower).
  const uint8_t* r0 = a;
  const uint8_t* r1 = a + (mr > 1 ? 1 : 0) * a_stride;
  const uint8_t* r2 = a + (mr > 2 ? 2 : mr - 1) * a_stride;
  const uint8_t* r3 = a + (mr > 3 ? 3 : mr - 1) * a_stride;
  const uint8_t* r4 = a + (mr > 4 ? 4 : mr - 1) * a_stride;
  const uint8_t* r5 = a + (mr > 5 ? 5 : mr - 1) * a_stride;
  const uint8_t* r6 = a + (mr > 6 ? 6 : mr - 1) * a_stride;
  const uint8_t* r7 = a + (mr > 7 ? 7 : mr - 1) * a_stride;  // rows past mr repeat the last one
#define OCTET_ACC(i) __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = _mm512_setzero_si512();
  OCTET_ACC(0) OCTET_ACC(1) OCTET_ACC(2) OCTET_ACC(3) OCTET_ACC(4) OCTET_ACC(5) OCTET_ACC(6) OCTET_ACC(7)
#undef OCTET_ACC
  const auto* bp = static_cast<const int8_t*>(b);
  for (int64_t g = 0; g < kp / 4; ++g, bp += 128) {
    const __m512i b0 = _mm512_loadu_si512(bp), b1 = _mm512_loadu_si512(bp + 64);
#define OCTET_ROW(i)                                                  \
  {                                                                   \
    int32_t quad;                                                   \
    std::memcpy(&quad, r##i + 4 * g, 4);                                \
    const __m512i av = _mm512_set1_epi32(quad);                       \
    OCTET_DOT(i, 0) OCTET_DOT(i, 1)                                   \
  }
#define OCTET_DOT(i, j) c##i##j = _mm512_dpbusd_epi32(c##i##j, av, b##j);
    OCTET_ROW(0) OCTET_ROW(1) OCTET_ROW(2) OCTET_ROW(3) OCTET_ROW(4) OCTET_ROW(5) OCTET_ROW(6) OCTET_ROW(7)
#undef OCTET_DOT
#undef OCTET_ROW
  }
  const __m512i acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                            {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
  for (int i = 0; i < mr; ++i) {
    _mm512_storeu_si512(c + i * 32, acc[i][0]);
    _mm512_storeu_si512(c + i * 32 + 16, acc[i][1]);
  }
}

}  // namespace octet::kernels
