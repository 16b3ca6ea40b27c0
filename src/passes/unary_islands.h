// Unary islands: a few float element-wise nodes that together compute a function of one value x
// and scalar constants only, such as SiLU (x * Sigmoid(x)), Mish or an activation written out.
// Quantized as one unit (prepare.cc: Q/DQ at x and at the island's output, none inside), such an
// island is a function from x's 256 uint8 codes to the output's codes: lower_static.cc runs it as
// one 256-entry table lookup (Int8Lookup), where quantizing each node would have run a
// Sigmoid table, a Mul of two quantized tensors and the Q/DQ pairs between them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// An element-wise float op whose constant inputs are all one-element tensors: unary functions
// (Relu, Sigmoid, Tanh, HardSwish, Exp, Erf, Softplus, ...) and arithmetic (Add, Sub, Mul, Div, Pow,
// Max, Min) in the default domain.
bool is_scalar_elementwise(const Graph& g, const Node& n);

struct UnaryIsland {
  std::string input;          // x, the one non-constant value the island reads
  std::vector<size_t> nodes;  // indices into g.nodes, in graph order; the last writes the output
};

// The largest island that ends at node `end`: walking back from it, a producer joins when it is
// scalar-element-wise and every reader of its output has joined already (so no value inside is
// read outside). nullopt unless it reads exactly one non-constant value and `end` writes one output.
std::optional<UnaryIsland> unary_island_ending_at(const Graph& g, size_t end);

}  // namespace octet
