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
    const int64_t reader = sole_consumer(g, mm.outputs[0]);
    if (reader < 0 || dead.count(reader)) continue;
    const Node& add = g.nodes[reader];
    if (add.op_type != "Add" || !add.domain.empty() || add.num_inputs() != 2) continue;
    const std::string& other = add.inputs[0] == mm.outputs[0] ? add.inputs[1] : add.inputs[0];
    const Tensor* bias = g.find_initializer(other);
    if (!bias || bias->dtype() != DType::kFloat32 || bias->numel() != w->dim(1)) continue;
    // A bias of rank 2 must be [1, N]: anything of higher rank would broadcast the [M, N] product up.
    if (bias->rank() != 1 && !(bias->rank() == 2 && bias->dim(0) == 1)) continue;
    const std::string b_name = fresh_name(g, mm.name + "_bias");
    g.initializers[b_name] = bias->reshaped({w->dim(1)});
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
