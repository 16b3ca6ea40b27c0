#include "peak_probe.h"

#include <chrono>

namespace octet::kernels {

double measure_clock_ghz() {
  const int64_t iters = 200'000'000;
  uint64_t x = 0;
  auto t0 = std::chrono::steady_clock::now();
  // 4 dependent adds per iteration (latency 1 each); the loop counter runs in parallel.
  for (int64_t i = 0; i < iters; ++i)
    __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return double(iters) * 4 / s * 1e-9;
}

}  // namespace octet::kernels
