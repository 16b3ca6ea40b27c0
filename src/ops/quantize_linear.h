// What QuantizeLinear decides beyond its kernel, shared with the tools that read QDQ graphs
// (src/debug/).
#pragma once

#include "octet/graph.h"

namespace octet {

// The code dtype of QuantizeLinear's output: the zero point's, else the output_dtype attribute
// (opset 21, a TensorProto.DataType), else uint8. octet::Error naming the node when the two
// disagree or output_dtype is not an 8- or 16-bit integer.
DType quantize_output_dtype(const Node& node, const Tensor* zp);

}  // namespace octet
