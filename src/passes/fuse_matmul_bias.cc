#include "passes/fuse_matmul_bias.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

int fuse_matmul_bias(Graph& g) {
  std::set<size_t> gone;
  for (Node& mm : g.nodes) {
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.inputs.size() != 2) continue;
    const Tensor* w = g.find_initializer(mm.inputs[1]);
    if (!w || w->dtype() != DType::kFloat32 || w->rank() != 2) continue;
    std::string bias;
    const int64_t c = bias_add_after(g, mm.outputs[0], w->dim(1), &bias);
    if (c < 0) continue;
    set_octet_op(mm, octet_op::kMatMulBias);
    mm.inputs.push_back(bias);
    absorb_output(mm, g.nodes[c]);
    gone.insert(static_cast<size_t>(c));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
