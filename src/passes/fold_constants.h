// fold_constants: nodes whose inputs are all constants are computed once and replaced by
// initializers (e.g. the Unsqueeze that exporters put between an LSTM and its weights), so the
// quantizer sees constant weights where the model has them; with fold_shapes, so is arithmetic on
// the dimensions the model fixes (a TF-style "same" padding computed from the input's size).
#pragma once

#include <map>
#include <string>

#include "octet/graph.h"

namespace octet {

// Runs node `n` of `g` alone: inputs that are initializers of `g` come from there, the others from
// `feeds` (by name). Returns its outputs by name; octet::Error when the node fails.
std::map<std::string, Tensor> evaluate_node(const Graph& g, const Node& n, const std::map<std::string, Tensor>& feeds = {});

// Returns the number of nodes folded. Random generators, control flow and outputs larger than
// 64 MiB are left alone.
int fold_constants(Graph& g);

}  // namespace octet
