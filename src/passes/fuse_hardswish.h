// fuse_hardswish: HardSwish as exporters write it out becomes the ONNX HardSwish op:
//   x * Clip(x + 3, 0, 6) / 6   (Div by 6 or Mul by 1/6, last or before the product)
//   x * HardSigmoid(x) with alpha 1/6, beta 0.5
// So the fp32 runtime fuses it into the convolution before it (fuse_conv_activation.h) instead of
// four passes over the activation, and the quantizer sees one unary op, which it runs as a lookup
// table on the 8-bit codes, instead of a Mul of two quantized tensors. The same function up to
// float rounding (ONNX: x * max(0, min(1, x / 6 + 0.5))). For a graph that will be exported
// (quantization) only where the model's opset has the op (14 and later); for octet's own runtime
// in any opset, the node then carrying opset 14 (octet runs it whatever the model imports).
#pragma once

#include "octet/graph.h"

namespace octet {

// Returns the number of HardSwish nodes made. `for_export`: only in models of opset 14 or later.
int fuse_hardswish(Graph& g, bool for_export);

}  // namespace octet
