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
  constexpr int MR = 8;
  const uint8_t* rows[MR];
  for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  __m512i acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  const auto* bp = static_cast<const int8_t*>(b);
  for (int64_t g = 0; g < kp / 4; ++g, bp += 128) {
    __m512i b0 = _mm512_loadu_si512(bp), b1 = _mm512_loadu_si512(bp + 64);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      int32_t quad;  // a[k..k+3] as four u8
      std::memcpy(&quad, rows[i] + 4 * g, 4);
      __m512i av = _mm512_set1_epi32(quad);
      acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
      acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
    }
  }
  for (int i = 0; i < mr; ++i) {
    _mm512_storeu_si512(c + i * 32, acc[i][0]);
    _mm512_storeu_si512(c + i * 32 + 16, acc[i][1]);
  }
}

}  // namespace octet::kernels
