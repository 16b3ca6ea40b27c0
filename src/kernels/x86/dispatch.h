// The one place that chooses kernels: CPUID + XGETBV once (core/cpu_features.h), then the best
// path in the order avx512vnni > avxvnni > avx512bw > avx2 > ref, unless OCTET_ISA=<name> forces
// one. Kernels themselves never branch on the ISA.
#pragma once

#include <string_view>
#include <vector>

#include "kernels/qgemm_ukernel.h"
#include "kernels/ref/dwconv_c4_ref.h"
#include "kernels/ref/dwconv_ref.h"
#include "kernels/ref/qelementwise_ref.h"
#include "kernels/vmath.h"

namespace octet::kernels {

enum class Isa { ref, avx2, avx512bw, avxvnni, avx512vnni };

const char* isa_name(Isa isa);
// Throws octet::Error naming `name` and the accepted names when it is not one.
Isa parse_isa(std::string_view name);
bool isa_supported(Isa isa);            // by this CPU and OS
std::vector<Isa> supported_isas();      // ref first

struct KernelTable {
  Isa isa;
  QgemmKernel qgemm;
  DwconvUkernelFn dwconv;
  // The depthwise path on vpdpbusd (four input rows per lane) for weights with zero point 0; null
  // functions where the ISA has none (kernels/qconv.cc then uses `dwconv`).
  DwconvC4Kernel dwconv_c4;
  void (*quantize_u8)(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y);
  void (*quantize_s8)(int64_t n, const float* x, float scale, int32_t zp, int8_t* y);
  void (*dequantize_u8)(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y);
  void (*dequantize_s8)(int64_t n, const int8_t* x, float scale, int32_t zp, float* y);
  void (*qadd_u8)(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                  int32_t y_zp, uint8_t* y);
  void (*requantize_u8)(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y);
  void (*qmul_u8)(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                  int32_t b_zp, float m, int32_t y_zp, uint8_t* y);
  // On the AVX-512 paths the VBMI kernel where the CPU has AVX512_VBMI (Ice Lake, Zen 4 and later).
  void (*lookup_u8)(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);
  // A GEMM path the caller may choose (pack_weights_s8(..., table.qgemm_7bit)) when every
  // activation is in 0..127: exact only then, faster where the ISA has no VNNI (vpmaddubsw on
  // avx512bw). Paths with nothing faster for 7-bit data repeat `qgemm`.
  QgemmKernel qgemm_7bit;
  // The exact path with a panel of 16 columns for outputs of at most 16 (a small convolution's
  // channels): a 32-wide panel would compute half or more of padding. Repeats `qgemm` where its
  // panel is 16 wide already.
  QgemmKernel qgemm_narrow;
  const VmathKernels* vmath;  // fp32 array math (kernels/vmath.h)

  // The exact path for an N-column GEMM.
  const QgemmKernel& qgemm_for(int64_t N) const { return N <= qgemm_narrow.nr ? qgemm_narrow : qgemm; }
};

// The table of the chosen path, picked on first call. OCTET_ISA naming an unknown ISA, or one this
// CPU lacks, throws octet::Error.
const KernelTable& kernels();
// The table of one path; the caller checks isa_supported() before running its kernels.
const KernelTable& kernels_for(Isa isa);

// The same GEMM geometry and epilogue with the scalar twin of the microkernel: runs anywhere, so
// tests can check packing and driver of paths this CPU cannot execute (VNNI on older CPUs).
QgemmKernel scalar_twin(const QgemmKernel& k);

}  // namespace octet::kernels
