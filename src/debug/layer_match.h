// Which values of a quantized model stand for which values of the float model it was made from:
// the values both compute under the same name (quantizers keep the float model's value names, and
// a fused Conv+BN writes the BN's output), and whether quantization touches them.
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

struct MatchedLayer {
  std::string tensor;  // the value, the same name in both models
  // Where the quantized model holds it in float: the output of the DequantizeLinear after its
  // QuantizeLinear (what the next layer reads), else the value itself.
  std::string probe;
  std::string name, op;  // the float model's node it is reported as
  // The quantized model's nodes from the previous shared values to `probe`: the fused unit, with
  // the Q/DQ around it.
  std::vector<std::string> quantized_nodes;
};

// One entry per value both graphs' nodes produce and whose computation in `quantized` involves a
// quantization op (Q/DQ, DynamicQuantizeLinear, QLinear*, octet's Int8* and DynamicQuant*,
// *Integer), in the quantized graph's execution order (or a node reading an 8-bit constant: an int8 embedding
// table, a lowered op's weight). The name is that of a node both graphs hold, a weighted op
// preferred (the fused Conv, not the BN or ReLU folded into it); else the float model's producer.
std::vector<MatchedLayer> match_layers(const Graph& float_model, const Graph& quantized);

// True for an op that quantizes, dequantizes or computes on quantized values.
bool is_quantization_op(const Node& n);

}  // namespace octet
