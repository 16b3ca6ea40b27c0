// Measures the throughput of the instruction the avx512vnni GEMM spends its time in (vpdpbusd on
// zmm: 64 u8 x s8 multiply-adds into 16 int32 lanes), with enough independent accumulators to
// hide its latency. Inline assembly for the reason given in peak_probe__avx512bw.cc.
#include <immintrin.h>

#include <chrono>

#include "peak_probe.h"

namespace octet::kernels {

double dpbusd_peak_gmacs__avx512vnni(int64_t iters) {
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(5);
#define OCTET_DOT(acc) "vpdpbusd %[b], %[a], %%zmm" #acc "\n\t"
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i)
    __asm__ volatile(OCTET_DOT(0) OCTET_DOT(1) OCTET_DOT(2) OCTET_DOT(3) OCTET_DOT(4) OCTET_DOT(5) OCTET_DOT(6)
                         OCTET_DOT(7) OCTET_DOT(8) OCTET_DOT(9) OCTET_DOT(10) OCTET_DOT(11)
                     :
                     : [a] "v"(a), [b] "v"(b)
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                       "xmm11");
#undef OCTET_DOT
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return double(iters) * 12 * 64 / s * 1e-9;
}

}  // namespace octet::kernels
