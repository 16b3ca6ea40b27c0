// fuse_gelu: GELU as exporters write it out before ONNX opset 20 (torch.onnx, erf form)
//   y = Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5),  or with Mul(x, 0.5) taken first,
// and Div(x, √2) also as Mul(x, 1/√2), becomes one com.octet Gelu(x) (ops/activation.cc, ONNX
// Gelu's kernel): one pass with the vectorized erf of kernels/vmath.h instead of five over the
// [tokens, 4 * hidden] activation. For fp32 execution (optimize_for_inference) and the float parts
// of a quantized model (lower).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where every intermediate value is read by the chain alone and is no graph output; the
// constants must be float32 scalars (√2 or 1/√2 to within 1e-6 relative, 1 and 0.5 exactly).
// Returns the number of Gelus made.
int fuse_gelu(Graph& g);

}  // namespace octet
