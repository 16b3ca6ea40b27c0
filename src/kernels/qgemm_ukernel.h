// The contract between the GEMM driver (kernels/qgemm.cc) and the per-ISA microkernels.
//
// Layouts (K is padded to kp, a multiple of kr, with zeros in both operands, which adds nothing):
//  packed A: one row per m, `a_stride` bytes apart; row m holds A[m][0..kp) as u8 (a_bytes == 1)
//            or zero-extended to u16 (a_bytes == 2).
//  packed B: ceil(N / nr) panels of kp * nr * b_bytes bytes; in a panel, k-group g (kr consecutive
//            k) of column n is at element (g * nr + n) * kr, as s8 (b_bytes == 1) or s16 (2).
// So one 32-bit broadcast of A and one vector load of B feed one dot-product instruction:
// vpdpbusd (kr = 4, u8 x s8) or vpmaddwd (kr = 2, u16 x s16, exact: see docs/kernels.md).
#pragma once

#include <cstdint>

namespace octet::kernels {

// C[i][n] = sum_{k < kp} A[i][k] * B[k][n] for i < mr (1 <= mr <= MR) and every n < NR of one
// panel; C is an MR x NR int32 tile with row stride NR. Rows mr..MR-1 of C are left untouched.
using QgemmUkernelFn = void (*)(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c);

// A residual connection after a u8 requantization: the element's code q (with the epilogue's qmin
// and qmax) is then added to s = shortcut[m * ld + n] as Int8Add does (kernels/ref/qelementwise_ref.h):
//   y = max(qmin, round_clamp(float(q - out_zp) * out_m + float(s - shortcut_zp) * shortcut_m, y_zp, 0, 255))
// so the bytes equal those of the requantization and the Int8Add run one after the other.
struct ResidualAdd {
  const uint8_t* shortcut = nullptr;  // M x N u8, row stride ld; may not overlap the output
  int64_t ld = 0;
  int32_t out_zp = 0, shortcut_zp = 0;  // the Add's zero points of its two operands
  float out_m = 1, shortcut_m = 1;      // the operands' scales over the sum's scale
  int32_t y_zp = 0, qmin = 0;           // the sum's zero point; qmin = y_zp is a ReLU after the Add
};

// What the epilogue needs, resolved by the driver (per-tensor values expanded to per column).
struct EpilogueParams {
  enum class Kind { requant_u8, requant_s8, dequant_f32, int32 } kind = Kind::requant_u8;
  // acc[m][n] = C[m][n] + col_term[n] - row_sum[m] * b_zero_point[n]   (int32, wrapping)
  const int32_t* col_term = nullptr;             // bias - a_zp * colsum(B) + K * a_zp * b_zp, per n
  const int32_t* b_zero_point = nullptr;         // per n, or null when all are 0
  const int32_t* row_sum = nullptr;              // sum_k A[m][k], per m; only read with b_zero_point
  const float* scale = nullptr;                  // per n: requant multiplier, or a_scale * w_scale (not int32)
  const float* bias_f32 = nullptr;               // per n (dequant only), or null for 0
  const float* row_scale = nullptr;              // per m (dequant only), or null for 1
  int32_t zero_point = 0, qmin = 0, qmax = 255;  // requant only
  void* out = nullptr;
  int64_t ldo = 0;                        // elements between output rows
  const ResidualAdd* residual = nullptr;  // requant_u8 only, or null
};

// Applies the epilogue to an mr x nc block of an int32 tile (row stride `tile_stride`) whose top
// left element is acc[m0][n0], writing out[(m0 + i) * ldo + n0 + j]. Rounding (docs/kernels.md):
//  requant: q = clamp(nearbyint(float(acc) * scale[n]) + zero_point, qmin, qmax), then the residual
//           if any (ResidualAdd)
//  dequant: y = fma(float(acc) * row_scale[m], scale[n], bias_f32[n])  (float(acc) * 1 is exact)
//  int32:   y = acc (MatMulInteger: the exact product of the zero-point-shifted operands)
using QgemmEpilogueFn = void (*)(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0,
                                 int64_t n0, const EpilogueParams& p);

// The microkernel and the epilogue in one: the same bytes as ukernel + epilogue for a tile of mr
// rows and all NR columns of a panel, written straight from the registers. Only for weights
// without zero points (p.b_zero_point null).
using QgemmFusedUkernelFn = void (*)(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                     int64_t m0, int64_t n0, const EpilogueParams& p);

// One GEMM path: a microkernel, its tile geometry and its epilogue (and optionally the two fused).
struct QgemmKernel {
  const char* name;
  int64_t mr, nr, kr, a_bytes, b_bytes;
  QgemmUkernelFn ukernel;
  QgemmEpilogueFn epilogue;
  QgemmFusedUkernelFn fused_ukernel = nullptr;
};

}  // namespace octet::kernels
