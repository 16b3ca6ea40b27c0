#include "passes/fuse_int8_conv_add.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

int fuse_int8_conv_add(Graph& g) {
  std::set<size_t> gone;
  for (Node& conv : g.nodes) {
    // Inputs 0-4 at most: a convolution that already has a residual takes no second one.
    if (!is_octet_op(conv, octet_op::kInt8Conv) || conv.attr_int("channels_last", 0) == 0 || conv.outputs.size() != 1 ||
        conv.inputs.size() > 5)
      continue;
    const int64_t a = sole_consumer(g, conv.outputs[0]);
    if (a < 0) continue;
    const Node& add = g.nodes[a];
    if (!is_octet_op(add, octet_op::kInt8Add) || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1] ||
        add.outputs.size() != 1)
      continue;
    const bool conv_is_a = add.inputs[0] == conv.outputs[0];
    const std::string& z = add.inputs[conv_is_a ? 1 : 0];
    if (!same_declared_shape(g.find_value_info(z), g.find_value_info(conv.outputs[0])) ||
        !same_declared_shape(g.find_value_info(z), g.find_value_info(add.outputs[0])))
      continue;
    const char *mine = conv_is_a ? "a" : "b", *other = conv_is_a ? "b" : "a";
    auto copy = [&](const std::string& from, const char* to) {
      if (add.has_attr(from)) conv.attrs[to] = add.attrs.at(from);
    };
    copy(std::string(mine) + "_scale", "add_scale");
    copy(std::string(mine) + "_zero_point", "add_zero_point");
    copy(std::string(other) + "_scale", "residual_scale");
    copy(std::string(other) + "_zero_point", "residual_zero_point");
    copy("y_scale", "sum_scale");
    copy("y_zero_point", "sum_zero_point");
    copy("qmin", "sum_qmin");
    conv.inputs.resize(5);  // absent optional inputs stay ""
    conv.inputs.push_back(z);
    absorb_output(conv, add);
    gone.insert(static_cast<size_t>(a));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
