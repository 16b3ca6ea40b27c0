// float_tensors: what a quantized graph still stores in float32 (QuantizeReport::float_tensors),
// so a user sees which constants kept the file from shrinking 4x and why: biases added in float,
// normalization parameters, the weights of nodes the quantizer left alone.
#pragma once

#include <string>
#include <vector>

#include "octet/quantize.h"

namespace octet {

// The float32 initializers of `quantized` of at least `min_bytes` that are not quantization
// parameters (a Q/DQ scale, an embedding table's row scales) or a quantized node's bias (float
// values on its int32 grid), largest first. `float_nodes` are the
// report's "name: why" lines, the source of each reader's reason.
std::vector<FloatTensor> float_tensors(const Graph& quantized, const std::vector<std::string>& float_nodes,
                                       int64_t min_bytes = 1024);

}  // namespace octet
