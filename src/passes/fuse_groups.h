// The chains static quantization treats as one unit, with no quantization between members
// (PyTorch's fused modules ConvReLU2d, LinearReLU, BNReLU2d and the add-relu pattern): the INT8
// kernels fold the bias and the activation into their requantization.
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

struct FusedGroup {
  std::vector<size_t> nodes;  // indices into graph.nodes, in order; nodes[0] is the head
  std::string output;         // the value leaving the group
};

// The chains, in graph order of their heads:
//   Conv | ConvTranspose | Gemm | MatMul (+ its bias Add, bias_add_after, MatMul only: Conv and Gemm
//     carry their own) (+ Relu | Clip with constant min 0 and any constant max or none),
//   Add (+ Relu),
//   BatchNormalization left unfused (+ Relu).
// A member whose output is a graph output, is read by any other node, or that writes more than one
// output ends the chain there. Chains of one node are not reported. The graph is not changed.
std::vector<FusedGroup> find_fused_groups(const Graph& g);

}  // namespace octet
