// Float32 array math behind the fp32 element-wise ops (ops/activation.cc, unary.cc, softmax.cc):
// the branch-free functions of kernels/fast_math.h over arrays, compiled once per ISA
// (kernels/vmath_loops.h, included by ref/vmath_ref.cc and x86/vmath__<isa>.cc) so the compiler
// vectorizes them 16 (AVX-512) or 8 (AVX2) lanes wide. Every path does the same float operations
// in the same order (no FMA contraction), so every path gives the same bits.
#pragma once

#include <cstdint>

namespace octet::kernels {

using VmathFn = void (*)(int64_t n, const float* x, float* y);
// [*lo, *hi] = [min, max] of x[0..n) for n >= 1; both NaN when any element is NaN, so one test
// of the result finds them (dynamic quantization must refuse NaN, not skip it).
using VrangeFn = void (*)(int64_t n, const float* x, float* lo, float* hi);
// *mean and *inv_std = 1 / sqrt(variance + eps) of x[0..n) for n >= 1, summed in double (two
// passes: the mean, then the squared deviations): LayerNormalization's statistics.
using VmomentsFn = void (*)(int64_t n, const float* x, float eps, float* mean, float* inv_std);
// One LayerNormalization row of n >= 1: s = x (+ residual[i] when residual is not null, written to
// y first: the fused residual Add), mean and inv_std of s as `moments` computes them, then
// y[i] = (s[i] - mean) * inv_std * gamma[i] (+ beta[i] when beta is not null), in that order.
using VlayerNormFn = void (*)(int64_t n, const float* x, const float* residual, const float* gamma, const float* beta,
                              float eps, float* y, float* mean, float* inv_std);

// One row of com.octet MaskedSoftmax: softmax of x[i] * scale + mask[i * mask_step] (mask_step 0
// or 1), the products and sums rounded as written.
using VmaskedSoftmaxFn = void (*)(int64_t n, const float* x, float scale, const float* mask, int64_t mask_step,
                                  float* y);

struct VmathKernels {
  VmathFn exp, sigmoid, tanh, erf;
  VmathFn gelu_erf;   // x/2 (1 + erf(x / sqrt 2))
  VmathFn gelu_tanh;  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  VmathFn softmax;    // one row: exp(x - max) / sum
  VrangeFn range;
  VmomentsFn moments;
  VlayerNormFn layer_norm;
  VmaskedSoftmaxFn masked_softmax;
};

extern const VmathKernels vmath__ref;

// The table of the path chosen for the INT8 kernels (kernels/dispatch.h, OCTET_ISA honoured).
const VmathKernels& vmath();

}  // namespace octet::kernels
