// The constant scale and zero point of a QuantizeLinear / DequantizeLinear node, as the debugging
// tools (src/debug/) read them from graphs written by any quantizer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

struct QdqParams {
  DType dtype = DType::kUInt8;      // the codes' dtype
  std::optional<int64_t> axis;      // per-channel axis (normalized when the rank is known); nullopt: per tensor
  std::vector<double> scale;        // one per channel
  std::vector<int64_t> zero_point;  // as many as scale (0 when absent)
  int64_t qmin = 0, qmax = 255;     // the code range of dtype
};

// nullopt when the scale or the zero point is not a constant (computed at run time) or the node
// quantizes per block. `data_shape` is the quantized tensor's shape when known (to normalize the
// axis and check the channel count; else the graph's declared shape is used). octet::Error naming the node for an
// unsupported code dtype, a scale that is neither a scalar nor 1-D, or a zero point whose count or dtype does not
// match.
std::optional<QdqParams> read_qdq_params(const Graph& g, const Node& n, const Shape* data_shape);

// The code range of an integer dtype octet quantizes to (uint8, int8, uint16, int16, int32).
// false for any other dtype.
bool code_range(DType t, int64_t* qmin, int64_t* qmax);

// The output-channel axis of a weight that `dq` (a DequantizeLinear of a constant) feeds as the
// weight input of an op quant::weight_channel_axis knows; otherwise 0.
int output_channel_axis(const Graph& g, const Node& dq);

}  // namespace octet
