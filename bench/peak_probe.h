// Measured peaks of this core, for benchmarks' "% of peak" (the issue says measure, don't assume).
#pragma once

#include <cstdint>

namespace octet::kernels {

// Core clock in GHz while busy: a chain of dependent integer adds retires one per cycle.
double measure_clock_ghz();
// Sustained u8 x s8 multiply-adds (in 1e9 per second, one core) of the avx512bw GEMM's
// vpmaddwd + vpaddd pair; call only when path_supported("avx512bw").
double madd_peak_gmacs__avx512bw(int64_t iters = 20'000'000);
// The same for the avx512vnni GEMM's vpdpbusd (64 MACs per instruction); call only when
// path_supported("avx512vnni").
double dpbusd_peak_gmacs__avx512vnni(int64_t iters = 20'000'000);

}  // namespace octet::kernels
