// Measures the throughput of the instruction pair the avx512bw GEMM spends its time in
// (vpmaddwd + vpaddd on zmm, 32 u8 x s8 MACs), with enough independent chains to hide latency.
// Benchmarks divide by it to report "% of peak" against what the core really sustains.
// Inline assembly, not intrinsics: with the same operands in every chain the compiler computes
// the vpmaddwd once per iteration (it did), and the probe then measures vpaddd alone.
#include <immintrin.h>

#include <chrono>

#include "peak_probe.h"

namespace octet::kernels {

double madd_peak_gmacs__avx512bw(int64_t iters) {
  const __m512i a = _mm512_set1_epi16(3), b = _mm512_set1_epi16(5);
#define OCTET_PAIR(t, acc) "vpmaddwd %[b], %[a], %%zmm" #t "\n\tvpaddd %%zmm" #t ", %%zmm" #acc ", %%zmm" #acc "\n\t"
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i)
    __asm__ volatile(OCTET_PAIR(16, 0) OCTET_PAIR(17, 1) OCTET_PAIR(18, 2) OCTET_PAIR(19, 3) OCTET_PAIR(20, 4)
                         OCTET_PAIR(21, 5) OCTET_PAIR(22, 6) OCTET_PAIR(23, 7) OCTET_PAIR(24, 8) OCTET_PAIR(25, 9)
                             OCTET_PAIR(26, 10) OCTET_PAIR(27, 11)
                     :
                     : [a] "v"(a), [b] "v"(b)
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",
                       "xmm26", "xmm27");
#undef OCTET_PAIR
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return double(iters) * 12 * 32 / s * 1e-9;
}

}  // namespace octet::kernels
