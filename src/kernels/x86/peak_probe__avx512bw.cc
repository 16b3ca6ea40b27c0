// Measures the throughput of the instruction pair the avx512bw GEMM spends its time in
// (vpmaddwd + vpaddd on zmm, 32 u8 x s8 MACs), with enough independent chains to hide latency.
// Benchmarks divide by it to report "% of peak" against what the core really sustains.
#include <immintrin.h>

#include <chrono>

#include "kernels/x86/peak_probe.h"

namespace octet::kernels {

double madd_peak_gmacs__avx512bw(int64_t iters) {
  __m512i acc[12], a = _mm512_set1_epi16(3), b = _mm512_set1_epi16(5);
  for (auto& x : acc) x = _mm512_setzero_si512();
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (auto& x : acc) x = _mm512_add_epi32(x, _mm512_madd_epi16(a, b));
    __asm__ volatile("" : "+v"(a));  // keep the loop from being folded
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  __m512i sum = acc[0];
  for (int j = 1; j < 12; ++j) sum = _mm512_add_epi32(sum, acc[j]);
  alignas(64) int32_t lanes[16];  // keep the sums alive so the loop is not removed
  _mm512_store_si512(lanes, sum);
  volatile int32_t sink = lanes[0];
  (void)sink;
  return double(iters) * 12 * 32 / s * 1e-9;
}

}  // namespace octet::kernels
