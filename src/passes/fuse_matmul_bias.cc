#include "passes/fuse_matmul_bias.h"

#include <set>

#include "passes/graph_util.h"

namespace octet {

int fuse_matmul_bias(Graph& g) {
  std::set<size_t> gone;
  for (Node& mm : g.nodes) {
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.inputs.size() != 2) continue;
    const Tensor* w = g.find_initializer(mm.inputs[1]);
    if (!w || w->dtype() != DType::kFloat32 || w->rank() != 2) continue;
    const int64_t c = sole_consumer(g, mm.outputs[0]);
    if (c < 0 || gone.count(c)) continue;
    const Node& add = g.nodes[c];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1]) continue;
    const std::string& other = add.inputs[0] == mm.outputs[0] ? add.inputs[1] : add.inputs[0];
    const Tensor* b = g.find_initializer(other);
    if (!b || b->dtype() != DType::kFloat32 || b->rank() != 1 || b->dim(0) != w->dim(1)) continue;
    mm.op_type = "MatMulBias";
    mm.domain = "com.octet";
    mm.opset = 1;
    mm.inputs.push_back(other);
    mm.outputs[0] = add.outputs[0];
    gone.insert(static_cast<size_t>(c));
  }
  if (gone.empty()) return 0;
  g.opsets["com.octet"] = 1;
  remove_nodes(g, gone);
  return static_cast<int>(gone.size());
}

}  // namespace octet
