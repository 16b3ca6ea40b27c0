#include "passes/fuse_conv_add.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

int fuse_conv_add(Graph& g) {
  std::set<size_t> gone;
  for (Node& conv : g.nodes) {
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.empty()) continue;
    const int64_t a = sole_consumer(g, conv.outputs[0]);
    if (a < 0) continue;
    const Node& add = g.nodes[a];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1])
      continue;
    const std::string& z = add.inputs[add.inputs[0] == conv.outputs[0] ? 1 : 0];
    if (!same_declared_shape(g.find_value_info(z), g.find_value_info(conv.outputs[0])) ||
        !same_declared_shape(g.find_value_info(z), g.find_value_info(add.outputs[0])))
      continue;
    conv.inputs.resize(3);  // an absent bias stays "" (ONNX's absent optional input)
    conv.inputs.push_back(z);
    set_octet_op(conv, octet_op::kConvPostOps);
    absorb_output(conv, add);
    gone.insert(static_cast<size_t>(a));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
