// Weights and biases of the weighted ops (Conv, ConvTranspose, Gemm, MatMul, LSTM, GRU) as int8
// and int32 codes: the one place that picks a weight's channel axis, its qparams and its codes, and
// the bias's, for static quantization (passes/convert.cc), dynamic quantization
// (passes/quantize_dynamic.cc), bias correction and lowering (passes/lower_static.cc).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "quant/observers/observer.h"

namespace octet::quant {

// The axis of `n`'s weight input (of rank `weight_rank`) along which its output channels lie, one
// scale each when per channel: Conv W [OC, C/g, kh, kw] -> 0; ConvTranspose W [C, OC/g, kh, kw]
// -> 1; Gemm B -> 0 with transB, else 1; MatMul B [..., K, N] -> the last; LSTM / GRU W and R
// [dirs, gates * hidden, ...] -> 1 (one scale per gate row). -1 for any other op.
int weight_channel_axis(const Node& n, int weight_rank);

// qparams of the float32 weight `w` under `scheme` (int8; per index of scheme.ch_axis, or per
// tensor when it is -1): the range of each channel widened to contain 0 (docs/quantization.md
// eq. (3)), then symmetric (O1) or affine (O2). octet::Error naming `what` (e.g. "weight 'w' of
// node ...") and the element when the weight holds NaN or +-Inf.
TensorQParams weight_qparams(const Tensor& w, const QScheme& scheme, const std::string& what);
// The int8 codes of `w` under `qp` (per index of qp.axis, or per tensor), eq. (2).
Tensor quantize_weight(const Tensor& w, const TensorQParams& qp);

// The initializers a DequantizeLinear reads for `qp`: scale and zero point, scalars when per
// tensor, 1-D when per axis; the zero point of type qp.dtype.
Tensor scale_tensor(const TensorQParams& qp);
Tensor zero_point_tensor(const TensorQParams& qp);

// The int32 bias of a weighted op has zero point 0 and scale s_b[c] = s_x * s_w[c]
// (docs/static_ptq.md eq. (B1)), so the kernel adds its codes straight to the int32 accumulator.
// A code must stay within half the int32 range, leaving the other half for the accumulation.
constexpr double kMaxBiasCode = 2147483647.0 / 2;

// The bias rule when the weight's qparams are being chosen: each weight scale (one per channel, or
// one for all) too small for its channels' bias codes to fit kMaxBiasCode is raised until they do.
// The weight loses a little resolution instead of the bias saturating (ONNX Runtime's quantizer
// makes the same trade). octet::Error naming `what` when the bias holds NaN or +-Inf.
void fit_weight_scales_to_bias(std::span<const float> bias, float x_scale, std::vector<float>& w_scale,
                               const std::string& what);
// The int32 code of bias value b at bias scale s_b (float, as a DequantizeLinear stores it):
// rne(b / s_b), computed in double, not yet checked against kMaxBiasCode.
double bias_code(float b, float bias_scale);
// The codes of `bias` (one value per channel) at s_b[c] = x_scale * w_scale[c], or at
// x_scale * w_scale[0] for all when one weight scale. False, with `codes` partly written, when one
// does not fit kMaxBiasCode: where the weight's qparams are given (lowering a QDQ graph) they
// cannot be raised, so the caller keeps the op in float.
bool quantize_bias(std::span<const float> bias, float x_scale, std::span<const float> w_scale, int32_t* codes);

}  // namespace octet::quant
