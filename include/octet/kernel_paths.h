// The INT8 kernel paths of this build and CPU (implemented by src/kernels/dispatch.cc).
#pragma once

#include <string>
#include <vector>

namespace octet {

// Which INT8 kernel path this process runs ("ref", "avx2", "avx512bw", "avxvnni", "avx512vnni"):
// the best this CPU has, or the one the environment variable OCTET_ISA names; and every path this
// CPU can run, "ref" first. Every path gives the same bits (docs/kernels.md). Throws octet::Error
// when OCTET_ISA names an unknown path or one this CPU lacks.
// `seven_bit_weights_faster`: the chosen path has a faster GEMM for 7-bit weights than for 8-bit
// ones (no VNNI: quantize --reduce-weight-range pays off here; docs/kernels.md, "The 7-bit path").
struct KernelPaths {
  std::string chosen;
  std::vector<std::string> supported;
  bool seven_bit_weights_faster = false;
};
KernelPaths kernel_paths();

}  // namespace octet
