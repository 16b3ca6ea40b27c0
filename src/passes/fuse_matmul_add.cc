#include "passes/fuse_matmul_add.h"

#include "passes/graph_util.h"

namespace octet {

int fuse_matmul_add(Graph& g) {
  std::set<size_t> dead;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& mm = g.nodes[i];
    // Gemm broadcasts C [N] from opset 7 on (before, only with its `broadcast` attribute).
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.opset < 7 || mm.num_inputs() != 2 || mm.outputs.size() != 1)
      continue;
    const Tensor* w = g.find_initializer(mm.inputs[1]);
    const ValueInfo* x = g.find_value_info(mm.inputs[0]);
    if (!w || w->dtype() != DType::kFloat32 || w->rank() != 2) continue;
    if (!x || !x->has_shape || x->shape.size() != 2) continue;
    std::string other;
    const int64_t reader = bias_add_after(g, mm.outputs[0], w->dim(1), &other);
    if (reader < 0 || dead.count(reader)) continue;
    const Node& add = g.nodes[reader];
    // Gemm's own copy of the bias, as [N] ([1, N] has the same values): convert quantizes it.
    const std::string b_name = fresh_name(g, mm.name + "_bias");
    g.initializers[b_name] = g.find_initializer(other)->reshaped({w->dim(1)});
    mm.op_type = "Gemm";
    mm.inputs.push_back(b_name);
    g.value_info.erase(mm.outputs[0]);
    mm.outputs[0] = add.outputs[0];
    dead.insert(static_cast<size_t>(reader));
  }
  if (!dead.empty()) remove_nodes(g, dead);
  return static_cast<int>(dead.size());
}

}  // namespace octet
