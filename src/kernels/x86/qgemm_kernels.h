// The x86 GEMM microkernels and epilogues, one ISA per file (qgemm_ukernel.h has the contract).
// Only kernels/x86/paths.cc refers to them, after checking the CPU has the ISA.
#pragma once

#include "kernels/qgemm_ukernel.h"

namespace octet::kernels {

void qgemm_u8s8_8x32c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_8x16c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                 int32_t* c);  // N <= 16
void qgemm_u8s8_8x32c4__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                 int32_t* c);  // 7-bit activations or weights only
void qgemm_u8s8_8x32c4__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int32_t* c);
void qgemm_u8s8_8x16c4__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int32_t* c);  // N <= 16
void qgemm_u8s8_4x16c2__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_4x16c2_fused__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int64_t m0, int64_t n0, const EpilogueParams& p);
void qgemm_u8s8_4x16c4__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                             int32_t* c);  // 7-bit activations or weights only
void qgemm_u8s8_4x16c4_fused__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int64_t m0, int64_t n0, const EpilogueParams& p);
void qgemm_u8s8_4x16c4__avxvnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_4x16c4_fused__avxvnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                      int64_t m0, int64_t n0, const EpilogueParams& p);
// The 8 x 32 AVX-512 microkernels with the epilogue from registers (QgemmFusedUkernelFn).
void qgemm_u8s8_8x32c2_fused__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                       int64_t m0, int64_t n0, const EpilogueParams& p);
void qgemm_u8s8_8x32c4_fused__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                       int64_t m0, int64_t n0, const EpilogueParams& p);
void qgemm_u8s8_8x32c4_fused__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                         int64_t m0, int64_t n0, const EpilogueParams& p);

void qgemm_epilogue__avx512bw(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                              const EpilogueParams& p);
void qgemm_epilogue__avx2(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                          const EpilogueParams& p);

}  // namespace octet::kernels
