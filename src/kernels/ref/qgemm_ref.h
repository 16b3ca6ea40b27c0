// Scalar reference of the INT8 GEMM: the readable spec the fast paths are tested against.
#pragma once

#include <cstdint>

#include "kernels/qgemm_ukernel.h"

namespace octet::kernels {

// acc[m][n] = sum_k (A[m][k] - a_zp) * (W[k][n] - w_zp[n]) straight from unpacked operands
// (W[k][n] = w[k * ldw + n]; w_zp null means all zero). acc has row stride N.
void qgemm_acc_u8s8__ref(int64_t M, int64_t N, int64_t K, const uint8_t* a, int64_t lda, uint8_t a_zp, const int8_t* w,
                         int64_t ldw, const int8_t* w_zp, int32_t* acc);

// Scalar twins of the microkernels (same packing, same tile): kernels/x86/qgemm_*__<isa>.cc.
void qgemm_u8s8_8x32c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_8x16c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_8x32c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_8x16c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_4x16c2__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);
void qgemm_u8s8_4x16c4__ref(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);

void qgemm_epilogue__ref(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                         const EpilogueParams& p);

// One output element of the epilogue; vector epilogues use it for their column tails.
void qgemm_epilogue_one__ref(int32_t c, int64_t m, int64_t n, const EpilogueParams& p);

}  // namespace octet::kernels
