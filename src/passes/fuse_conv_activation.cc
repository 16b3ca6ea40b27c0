#include "passes/fuse_conv_activation.h"

#include <cmath>
#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

// The ConvPostOps attributes for activation node `act` applied to y (the convolution's output), or
// false when it is none octet fuses. A Sigmoid whose output multiplies y again (the Mul at
// `swish_mul`, y * Sigmoid(y): SiLU / Swish) becomes "Swish".
bool activation_attrs(const Graph& g, const Node& act, const std::string& y, std::map<std::string, Attribute>* attrs,
                      int64_t* swish_mul) {
  if (!act.domain.empty() || act.inputs.empty() || act.inputs[0] != y) return false;
  const std::string& op = act.op_type;
  if (op == "Relu" || op == "Tanh" || op == "HardSwish") {
    (*attrs)["activation"] = string_attr(op);
  } else if (op == "LeakyRelu") {
    (*attrs)["activation"] = string_attr(op);
    (*attrs)["alpha"] = float_attr(act.attr_float("alpha", 0.01f));
  } else if (op == "HardSigmoid") {
    (*attrs)["activation"] = string_attr(op);
    (*attrs)["alpha"] = float_attr(act.attr_float("alpha", 0.2f));
    (*attrs)["beta"] = float_attr(act.attr_float("beta", 0.5f));
  } else if (op == "Clip") {
    const float lo = clip_bound(g, act, 1, "min", -INFINITY), hi = clip_bound(g, act, 2, "max", INFINITY);
    if (std::isnan(lo) || std::isnan(hi) || lo > hi) return false;
    (*attrs)["activation"] = string_attr(op);
    (*attrs)["clip_min"] = float_attr(lo);
    (*attrs)["clip_max"] = float_attr(hi);
  } else if (op == "Sigmoid") {
    (*attrs)["activation"] = string_attr(op);
    const int64_t m = sole_consumer(g, act.outputs[0]);
    if (m >= 0) {
      const Node& mul = g.nodes[m];
      if (mul.domain.empty() && mul.op_type == "Mul" && mul.inputs.size() == 2 &&
          ((mul.inputs[0] == y && mul.inputs[1] == act.outputs[0]) ||
           (mul.inputs[1] == y && mul.inputs[0] == act.outputs[0]))) {
        (*attrs)["activation"] = string_attr("Swish");
        *swish_mul = m;
      }
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

int fuse_conv_activation(Graph& g) {
  std::set<size_t> gone;
  for (Node& conv : g.nodes) {
    // A Conv, or a ConvPostOps that so far only adds a residual (fuse_conv_add.h): y = act(conv + z).
    const bool plain = conv.op_type == "Conv" && conv.domain.empty();
    const bool residual_only =
        conv.op_type == octet_op::kConvPostOps && conv.domain == kOctetDomain && !conv.attrs.count("activation");
    if (!plain && !residual_only) continue;
    const std::string y = conv.outputs[0];
    std::vector<size_t> readers = consumers(g, y);
    if (is_graph_output(g, y) || readers.empty() || readers.size() > 2) continue;
    // The activation reads y alone, except Swish, whose Mul reads y too.
    std::map<std::string, Attribute> attrs;
    int64_t act = -1, swish_mul = -1;
    for (size_t r : readers)
      if (act < 0 && activation_attrs(g, g.nodes[r], y, &attrs, &swish_mul)) act = static_cast<int64_t>(r);
    if (act < 0) continue;
    if (readers.size() == 2 &&
        !(swish_mul >= 0 && (readers[0] == size_t(swish_mul) || readers[1] == size_t(swish_mul))))
      continue;
    if (readers.size() == 1 && swish_mul >= 0) continue;  // y * Sigmoid(y) needs the Mul to read y
    for (auto& [k, v] : attrs) conv.attrs[k] = v;
    set_octet_op(conv, octet_op::kConvPostOps);
    absorb_output(conv, g.nodes[swish_mul >= 0 ? swish_mul : act]);
    gone.insert(static_cast<size_t>(act));
    if (swish_mul >= 0) gone.insert(static_cast<size_t>(swish_mul));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
