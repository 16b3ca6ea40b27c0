// fold_constants: nodes whose inputs are all constants are computed once and replaced by
// initializers (e.g. the Unsqueeze that exporters put between an LSTM and its weights), so the
// quantizer sees constant weights where the model has them; with fold_shapes, so is arithmetic on
// the dimensions the model fixes (a TF-style "same" padding computed from the input's size).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Runs nodes of `g` (in the order given) by themselves: inputs that are initializers of `g` come
// from there, values one of `nodes` writes from that node, the others from `feeds` (by name).
// Returns every output of every node by name; octet::Error when a node fails.
std::map<std::string, Tensor> evaluate_nodes(const Graph& g, const std::vector<const Node*>& nodes,
                                             const std::map<std::string, Tensor>& feeds = {});
inline std::map<std::string, Tensor> evaluate_node(const Graph& g, const Node& n,
                                                   const std::map<std::string, Tensor>& feeds = {}) {
  return evaluate_nodes(g, {&n}, feeds);
}

// Returns the number of nodes folded. Random generators, control flow and outputs larger than
// 64 MiB are left alone.
int fold_constants(Graph& g);

}  // namespace octet
