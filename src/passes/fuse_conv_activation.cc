#include "passes/fuse_conv_activation.h"

#include <cmath>
#include <set>

#include "passes/graph_util.h"

namespace octet {

int fuse_conv_activation(Graph& g) {
  std::set<size_t> gone;
  for (Node& conv : g.nodes) {
    // A Conv, or a FusedConv that so far only adds a residual (fuse_conv_add.h): y = act(conv + z).
    const bool plain = conv.op_type == "Conv" && conv.domain.empty();
    const bool residual_only = conv.op_type == "FusedConv" && conv.domain == "com.octet" && !conv.attrs.count("activation");
    if (!plain && !residual_only) continue;
    const int64_t c = sole_consumer(g, conv.outputs[0]);
    if (c < 0) continue;
    const Node& act = g.nodes[c];
    if (!act.domain.empty() || act.inputs.empty() || act.inputs[0] != conv.outputs[0]) continue;
    if (act.op_type == "Relu") {
      conv.attrs["activation"] = Attribute{Attribute::Kind::kString, 0, 0, "Relu"};
    } else if (act.op_type == "Clip") {
      const float lo = clip_bound(g, act, 1, "min", -INFINITY), hi = clip_bound(g, act, 2, "max", INFINITY);
      if (std::isnan(lo) || std::isnan(hi) || lo > hi) continue;
      conv.attrs["activation"] = Attribute{Attribute::Kind::kString, 0, 0, "Clip"};
      conv.attrs["clip_min"] = float_attr(lo);
      conv.attrs["clip_max"] = float_attr(hi);
    } else {
      continue;
    }
    set_octet_op(conv, "FusedConv");
    absorb_output(conv, act);
    gone.insert(static_cast<size_t>(c));
  }
  return remove_absorbed(g, gone);
}

}  // namespace octet
