#include "passes/fuse_groups.h"

#include "passes/graph_util.h"

namespace octet {

namespace {

// The single consumer of node i's first output when the chain may continue through it.
int64_t sole_consumer(const Graph& g, size_t i) {
  const Node& n = g.nodes[i];
  if (n.outputs.empty() || is_graph_output(g, n.outputs[0])) return -1;
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty()) return -1;
  auto c = consumers(g, n.outputs[0]);
  return c.size() == 1 ? static_cast<int64_t>(c[0]) : -1;
}

bool is_constant_bias_add(const Graph& g, const Node& add, const std::string& from) {
  if (add.op_type != "Add" || add.inputs.size() != 2) return false;
  const std::string& other = add.inputs[0] == from ? add.inputs[1] : add.inputs[0];
  return g.find_initializer(other) != nullptr;
}

bool is_activation(const Graph& g, const Node& n) {
  if (n.op_type == "Relu") return true;
  if (n.op_type != "Clip") return false;
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (!n.inputs[i].empty() && !g.find_initializer(n.inputs[i])) return false;
  return true;
}

}  // namespace

std::vector<FusedGroup> find_fused_groups(const Graph& g) {
  std::vector<FusedGroup> groups;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& head = g.nodes[i];
    if (!head.domain.empty()) continue;
    const bool weighted = head.op_type == "Conv" || head.op_type == "Gemm" || head.op_type == "MatMul";
    if (!weighted && head.op_type != "Add") continue;
    FusedGroup fg{{i}, head.outputs.empty() ? "" : head.outputs[0]};
    int64_t next = sole_consumer(g, i);
    if (head.op_type == "MatMul" && next >= 0 && is_constant_bias_add(g, g.nodes[next], fg.output)) {
      fg.nodes.push_back(static_cast<size_t>(next));
      fg.output = g.nodes[next].outputs[0];
      next = sole_consumer(g, static_cast<size_t>(next));
    }
    if (next >= 0 && is_activation(g, g.nodes[next]) && g.nodes[next].inputs[0] == fg.output) {
      fg.nodes.push_back(static_cast<size_t>(next));
      fg.output = g.nodes[next].outputs[0];
    }
    if (fg.nodes.size() > 1) groups.push_back(std::move(fg));
  }
  return groups;
}

}  // namespace octet
