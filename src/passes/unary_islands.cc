#include "passes/unary_islands.h"

#include <algorithm>
#include <set>

#include "passes/graph_util.h"

namespace octet {

namespace {

const std::set<std::string> kUnary = {
    "Relu",       "Clip",  "Sigmoid", "Tanh",  "HardSwish", "HardSigmoid",     "LeakyRelu", "Elu", "Selu",
    "Celu",       "Exp",   "Log",     "Erf",   "Softplus",  "Softsign",        "Neg",       "Abs", "Sqrt",
    "Reciprocal", "Floor", "Ceil",    "Round", "Mish",      "ThresholdedRelu", "Identity"};
const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"};

}  // namespace

bool is_scalar_elementwise(const Graph& g, const Node& n) {
  if (!n.domain.empty() || n.outputs.size() != 1 || n.inputs.empty()) return false;
  if (kUnary.count(n.op_type)) {
    for (size_t k = 1; k < n.inputs.size(); ++k) {  // Clip's bounds
      const Tensor* t = n.inputs[k].empty() ? nullptr : g.find_initializer(n.inputs[k]);
      if (!n.inputs[k].empty() && (!t || t->numel() != 1)) return false;
    }
    return true;
  }
  if (!kBinary.count(n.op_type) || n.inputs.size() != 2) return false;
  for (const std::string& in : n.inputs)
    if (const Tensor* t = g.find_initializer(in); t && t->numel() != 1) return false;
  return true;
}

std::optional<UnaryIsland> unary_island_ending_at(const Graph& g, size_t end) {
  if (!is_scalar_elementwise(g, g.nodes[end])) return std::nullopt;
  std::set<size_t> members = {end};
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t m : std::set<size_t>(members)) {
      for (const std::string& in : g.nodes[m].inputs) {
        if (in.empty() || g.find_initializer(in)) continue;
        const int64_t p = producer_index(g, in);
        if (p < 0 || members.count(p) || !is_scalar_elementwise(g, g.nodes[p]) || is_graph_output(g, in)) continue;
        const std::vector<size_t> readers = consumers(g, in);
        if (std::all_of(readers.begin(), readers.end(), [&](size_t r) { return members.count(r) > 0; })) {
          members.insert(static_cast<size_t>(p));
          grew = true;
        }
      }
    }
  }
  std::set<std::string> produced, outside;
  for (size_t m : members) produced.insert(g.nodes[m].outputs[0]);
  for (size_t m : members)
    for (const std::string& in : g.nodes[m].inputs)
      if (!in.empty() && !g.find_initializer(in) && !produced.count(in)) outside.insert(in);
  if (outside.size() != 1) return std::nullopt;
  return UnaryIsland{*outside.begin(), std::vector<size_t>(members.begin(), members.end())};
}

}  // namespace octet
