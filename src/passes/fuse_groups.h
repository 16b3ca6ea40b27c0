// The chains static quantization treats as one unit, with no quantization between members
// (PyTorch's fused modules ConvReLU2d, LinearReLU, and the add-relu pattern): the INT8 kernels
// fold the activation into their requantization clamp.
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

struct FusedGroup {
  std::vector<size_t> nodes;  // indices into graph.nodes, in order; nodes[0] is the head
  std::string output;         // the value leaving the group
};

// Conv | Gemm | MatMul (+ Add of a constant bias, MatMul only) (+ Relu | Clip with constant
// bounds), and Add (+ Relu). A member's output read by anything else, or a graph output, ends
// the chain there. Groups of one node are not reported.
std::vector<FusedGroup> find_fused_groups(const Graph& g);

}  // namespace octet
