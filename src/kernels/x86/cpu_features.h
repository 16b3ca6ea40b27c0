// What the CPU (and the OS, via XCR0) lets octet use. Detected once with CPUID + XGETBV; the
// kernel paths of kernels/x86/paths.cc are the only intended reader.
#pragma once

namespace octet {

struct CpuFeatures {
  bool avx2 = false;        // AVX2 + FMA, with YMM state enabled by the OS
  bool avx512bw = false;    // AVX-512 F/BW/DQ/VL, with ZMM state enabled by the OS
  bool avx512vnni = false;  // AVX512_VNNI (vpdpbusd on zmm), implies avx512bw here
  bool avxvnni = false;     // AVX-VNNI (VEX vpdpbusd on ymm), implies avx2 here
  bool avx512vbmi = false;  // AVX512_VBMI (vpermi2b: 128-entry byte tables), implies avx512bw here
};

// Detected on first call, then cached.
const CpuFeatures& cpu_features();

}  // namespace octet
