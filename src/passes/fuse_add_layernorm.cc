#include "passes/fuse_add_layernorm.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

int fuse_add_layernorm(Graph& g) {
  std::set<size_t> gone;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& ln = g.nodes[i];
    if (ln.op_type != "LayerNormalization" || !ln.domain.empty() || !ln.has_input(0)) continue;
    bool stats_used = false;
    for (size_t o = 1; o < ln.outputs.size(); ++o) stats_used = stats_used || !ln.outputs[o].empty();
    if (stats_used) continue;
    const int64_t p = producer_index(g, ln.inputs[0]);
    if (p < 0 || gone.count(static_cast<size_t>(p))) continue;
    const Node& add = g.nodes[p];
    if (add.op_type != "Add" || !add.domain.empty() || add.num_inputs() != 2 ||
        sole_consumer(g, add.outputs[0]) != static_cast<int64_t>(i))
      continue;
    std::vector<std::string> inputs = {add.inputs[0], add.inputs[1]};
    inputs.insert(inputs.end(), ln.inputs.begin() + 1, ln.inputs.end());
    ln.inputs = inputs;
    ln.outputs.resize(1);
    set_octet_op(ln, octet_op::kAddLayerNorm);
    gone.insert(static_cast<size_t>(p));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
