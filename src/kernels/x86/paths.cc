// The x86 kernel paths, from the scalar reference to the best: avx2 (Haswell, Zen 1-3), avx512bw
// (Skylake-SP), avxvnni (Alder Lake: VEX vpdpbusd on ymm), avx512vnni (Cascade Lake, Ice Lake,
// Zen 4/5). kernels/dispatch.cc picks the best one the CPU runs.
#include <iterator>

#include "kernels/dispatch.h"
#include "kernels/ref/qgemm_ref.h"
#include "kernels/x86/cpu_features.h"
#include "kernels/x86/dwconv_kernels.h"
#include "kernels/x86/qgemm_kernels.h"
#include "kernels/x86/quantize_kernels.h"
#include "kernels/x86/vmath_kernels.h"

namespace octet::kernels {
namespace {

// GEMM paths: {name, MR, NR, KR, A bytes, B bytes, microkernel, epilogue[, fused microkernel]}.
constexpr QgemmKernel kGemmAvx2{
    "qgemm_u8s8_4x16c2__avx2",    4, 16, 2, 2, 2, qgemm_u8s8_4x16c2__avx2, qgemm_epilogue__avx2,
    qgemm_u8s8_4x16c2_fused__avx2};
constexpr QgemmKernel kGemm7bitAvx2{
    "qgemm_u8s8_4x16c4__avx2",    4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__avx2, qgemm_epilogue__avx2,
    qgemm_u8s8_4x16c4_fused__avx2};
constexpr QgemmKernel kGemmAvx512bw{
    "qgemm_u8s8_8x32c2__avx512bw",    8, 32, 2, 2, 2, qgemm_u8s8_8x32c2__avx512bw, qgemm_epilogue__avx512bw,
    qgemm_u8s8_8x32c2_fused__avx512bw};
constexpr QgemmKernel kGemmNarrowAvx512bw{"qgemm_u8s8_8x16c2__avx512bw", 8, 16, 2, 2, 2, qgemm_u8s8_8x16c2__avx512bw,
                                          qgemm_epilogue__avx512bw};
constexpr QgemmKernel kGemm7bitAvx512bw{
    "qgemm_u8s8_8x32c4__avx512bw",    8, 32, 4, 1, 1, qgemm_u8s8_8x32c4__avx512bw, qgemm_epilogue__avx512bw,
    qgemm_u8s8_8x32c4_fused__avx512bw};
constexpr QgemmKernel kGemmAvxvnni{
    "qgemm_u8s8_4x16c4__avxvnni",    4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__avxvnni, qgemm_epilogue__avx2,
    qgemm_u8s8_4x16c4_fused__avxvnni};
constexpr QgemmKernel kGemmAvx512vnni{
    "qgemm_u8s8_8x32c4__avx512vnni",    8, 32, 4, 1, 1, qgemm_u8s8_8x32c4__avx512vnni, qgemm_epilogue__avx512bw,
    qgemm_u8s8_8x32c4_fused__avx512vnni};
constexpr QgemmKernel kGemmNarrowAvx512vnni{
    "qgemm_u8s8_8x16c4__avx512vnni", 8, 16, 4, 1, 1, qgemm_u8s8_8x16c4__avx512vnni, qgemm_epilogue__avx512bw};

// The element-wise and depthwise kernels of the AVX2 paths (avx2 and avxvnni), the GEMMs apart. avxvnni has
// vpdpbusd on ymm but no four-rows-per-lane ymm kernel yet: it runs the two-rows-per-lane one.
KernelTable avx2_table(const char* path, const QgemmKernel& gemm, const QgemmKernel& gemm_7bit) {
  return {
      .path = path,
      .qgemm = gemm,
      .dwconv = dwconv_u8s8__avx2,
      .dwconv_ring = {kDwC2Rows, dw_insert_row_c2__avx2, dwconv_c2__avx2, dw_insert_lanes_c2__avx2},
      .quantize_u8 = quantize_f32_u8__avx2,
      .quantize_s8 = quantize_f32_s8__avx2,
      .dequantize_u8 = dequantize_u8_f32__avx2,
      .dequantize_s8 = dequantize_s8_f32__avx2,
      .qadd_u8 = qadd_u8__avx2,
      .requantize_u8 = requantize_u8__avx2,
      .qmul_u8 = qmul_u8__avx2,
      .lookup_u8 = lookup_u8__avx2,
      .qgemm_7bit = gemm_7bit,
      .qgemm_narrow = gemm,
      .vmath = &vmath__avx2,
  };
}

// The same for the AVX-512 paths (avx512bw and avx512vnni); byte tables are looked up with VBMI
// where the CPU has it (Ice Lake, Zen 4 and later).
KernelTable avx512_table(const char* path, const QgemmKernel& gemm, const QgemmKernel& gemm_7bit,
                         const QgemmKernel& gemm_narrow, DwconvRingKernel dwconv_ring) {
  return {
      .path = path,
      .qgemm = gemm,
      .dwconv = dwconv_u8s8__avx512bw,
      .dwconv_ring = dwconv_ring,
      .quantize_u8 = quantize_f32_u8__avx512bw,
      .quantize_s8 = quantize_f32_s8__avx512bw,
      .dequantize_u8 = dequantize_u8_f32__avx512bw,
      .dequantize_s8 = dequantize_s8_f32__avx512bw,
      .qadd_u8 = qadd_u8__avx512bw,
      .requantize_u8 = requantize_u8__avx512bw,
      .qmul_u8 = qmul_u8__avx512bw,
      .lookup_u8 = cpu_features().avx512vbmi ? lookup_u8__avx512vbmi : lookup_u8__avx512bw,
      .qgemm_7bit = gemm_7bit,
      .qgemm_narrow = gemm_narrow,
      .vmath = &vmath__avx512bw,
  };
}

const KernelTable& avx2() {
  static const KernelTable t = avx2_table("avx2", kGemmAvx2, kGemm7bitAvx2);
  return t;
}
const KernelTable& avxvnni() {
  static const KernelTable t = avx2_table("avxvnni", kGemmAvxvnni, kGemmAvxvnni);
  return t;
}
const KernelTable& avx512bw() {
  static const KernelTable t = avx512_table("avx512bw", kGemmAvx512bw, kGemm7bitAvx512bw, kGemmNarrowAvx512bw, {});
  return t;
}
const KernelTable& avx512vnni() {
  static const KernelTable t = avx512_table("avx512vnni", kGemmAvx512vnni, kGemmAvx512vnni, kGemmNarrowAvx512vnni,
                                            {kDwC4Rows, dw_insert_row__avx512vnni, dwconv_c4__avx512vnni});
  return t;
}

constexpr KernelPath kPaths[] = {
    {"ref", [] { return true; }, ref_kernels},
    {"avx2", [] { return cpu_features().avx2; }, avx2},
    {"avx512bw", [] { return cpu_features().avx512bw; }, avx512bw},
    {"avxvnni", [] { return cpu_features().avxvnni; }, avxvnni},
    {"avx512vnni", [] { return cpu_features().avx512vnni; }, avx512vnni},
};

}  // namespace

std::span<const KernelPath> architecture_paths() { return kPaths; }

}  // namespace octet::kernels
