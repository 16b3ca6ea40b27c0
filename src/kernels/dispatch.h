// The one place that chooses kernels. A kernel path is one instruction set's table of kernels
// (KernelTable); the architecture's folder lists its paths, from the scalar reference to the best
// (kernels/x86/paths.cc), and this file picks the best one the CPU runs, unless the environment
// variable OCTET_ISA names one. Kernels themselves never branch on the ISA. A second architecture
// is one new folder defining architecture_paths().
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/qgemm_ukernel.h"
#include "kernels/ref/dwconv_ref.h"
#include "kernels/ref/dwconv_ring_ref.h"
#include "kernels/ref/qelementwise_ref.h"
#include "kernels/vmath.h"

namespace octet::kernels {

// A path's kernels. The architecture's tables fill it with designated initializers (every field
// named), so a field added here is a compile error wherever a table forgets it.
struct KernelTable {
  const char* path;  // "ref", "avx2", ...: the name OCTET_ISA and `octet --version` use
  QgemmKernel qgemm;
  DwconvUkernelFn dwconv;
  // The depthwise ring path (kernels/ref/dwconv_ring_ref.h): four input rows per lane on vpdpbusd (weights with zero
  // point 0), two on vpmaddwd (any weights); all zero where the ISA has none (kernels/qconv.cc then uses `dwconv`).
  DwconvRingKernel dwconv_ring;
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
  // A GEMM path exact only when one operand is 7-bit: every activation in 0..127 (the caller's
  // promise: pack_weights_s8(..., table.qgemm_7bit)) or every weight code in -64..64 (checked when
  // the weights are packed: qgemm_for). Faster where the ISA has no VNNI (vpmaddubsw on avx512bw
  // and avx2). Paths with nothing faster for 7-bit data repeat `qgemm`.
  QgemmKernel qgemm_7bit;
  // The exact path with a panel of 16 columns for outputs of at most 16 (a small convolution's
  // channels): a 32-wide panel would compute half or more of padding. Repeats `qgemm` where its
  // panel is 16 wide already.
  QgemmKernel qgemm_narrow;
  const VmathKernels* vmath;  // fp32 array math (kernels/vmath.h)

  // The exact path for an N-column GEMM whose weight codes are all in -64..64 (`weights_7bit`,
  // qgemm.h weights_fit_7bit) or not. The narrow panel stays the choice for N <= its width where
  // the 7-bit panel is wider: most of a wide panel would be padding.
  const QgemmKernel& qgemm_for(int64_t N, bool weights_7bit) const {
    if (N <= qgemm_narrow.nr) return weights_7bit && qgemm_7bit.nr <= qgemm_narrow.nr ? qgemm_7bit : qgemm_narrow;
    return weights_7bit ? qgemm_7bit : qgemm;
  }
};

// One kernel path of this build: its table and whether this CPU and OS can run it.
struct KernelPath {
  const char* name;
  bool (*supported)();
  const KernelTable& (*table)();
};

// Every path of the architecture this build is for, "ref" (the scalar reference, kernels/ref/)
// first, then each better than the one before. Defined by the architecture's folder.
std::span<const KernelPath> architecture_paths();

// The table of the chosen path, picked on first call. OCTET_ISA naming an unknown path, or one this
// CPU lacks, throws octet::Error.
const KernelTable& kernels();
// The table of the path named `path` (octet::Error listing the paths when there is none); the
// caller checks path_supported() before running its kernels.
const KernelTable& kernels_for(std::string_view path);
bool path_supported(std::string_view path);
// The table of the scalar reference path, which every architecture has.
const KernelTable& ref_kernels();

// The same GEMM geometry and epilogue with the scalar twin of the microkernel: runs anywhere, so
// tests can check packing and driver of paths this CPU cannot execute (VNNI on older CPUs).
QgemmKernel scalar_twin(const QgemmKernel& k);

}  // namespace octet::kernels
