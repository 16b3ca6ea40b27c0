#include "passes/fuse_masked_softmax.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

bool normalizes_last_axis(const Graph& g, const Node& sm) {
  if (sm.opset < 13) return false;  // before 13 the input is coerced to 2-D from `axis` on
  const int64_t axis = sm.attr_int("axis", -1);
  if (axis == -1) return true;
  const ValueInfo* vi = g.find_value_info(sm.inputs[0]);
  return vi && vi->has_shape && axis == static_cast<int64_t>(vi->shape.size()) - 1;
}

// The one-value float32 constant `name`, or nullptr.
const Tensor* scalar_constant(const Graph& g, const std::string& name) {
  const Tensor* t = g.find_initializer(name);
  return t && t->dtype() == DType::kFloat32 && t->numel() == 1 ? t : nullptr;
}

}  // namespace

int fuse_masked_softmax(Graph& g) {
  std::set<size_t> gone;
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& sm = g.nodes[i];
    if (sm.op_type != "Softmax" || !sm.domain.empty() || !sm.has_input(0) || !normalizes_last_axis(g, sm)) continue;
    const int64_t a = producer_index(g, sm.inputs[0]);
    if (a < 0 || gone.count(static_cast<size_t>(a))) continue;
    const Node& add = g.nodes[a];
    if (add.op_type != "Add" || !add.domain.empty() || add.num_inputs() != 2 ||
        sole_consumer(g, add.outputs[0]) != static_cast<int64_t>(i))
      continue;
    // Which operand of the Add is the scaled scores: a Mul by a constant read by this Add alone.
    std::string scores = add.inputs[0], mask = add.inputs[1];
    const Tensor* scale = nullptr;
    int64_t mul = -1;
    for (int side = 0; side < 2 && !scale; ++side) {
      const int64_t m = producer_index(g, add.inputs[side]);
      if (m < 0 || gone.count(static_cast<size_t>(m))) continue;
      const Node& mn = g.nodes[m];
      if (mn.op_type != "Mul" || !mn.domain.empty() || mn.num_inputs() != 2 || sole_consumer(g, mn.outputs[0]) != a)
        continue;
      for (int k = 0; k < 2 && !scale; ++k)
        if ((scale = scalar_constant(g, mn.inputs[k]))) {
          scores = mn.inputs[1 - k];
          mask = add.inputs[1 - side];
          mul = m;
        }
    }
    sm.inputs = {scores, mask};
    sm.attrs.clear();
    if (scale) sm.attrs["scale"] = float_attr(scale->data<float>()[0]);
    set_octet_op(sm, octet_op::kMaskedSoftmax);
    gone.insert(static_cast<size_t>(a));
    if (mul >= 0) gone.insert(static_cast<size_t>(mul));
    ++fused;
  }
  remove_absorbed(g, gone);
  return fused;
}

}  // namespace octet
