#include "passes/fuse_groups.h"

#include <cmath>
#include <set>

#include "passes/graph_util.h"

namespace octet {

namespace {

// The node that may continue the chain ending at node i: the sole reader of i's only output.
int64_t next_member(const Graph& g, size_t i) {
  const Node& n = g.nodes[i];
  if (n.outputs.empty()) return -1;
  for (size_t k = 1; k < n.outputs.size(); ++k)
    if (!n.outputs[k].empty()) return -1;
  const int64_t c = sole_consumer(g, n.outputs[0]);
  return c >= 0 && !g.nodes[c].outputs.empty() ? c : -1;
}

// Node `next` is the bias Add of MatMul `mm` writing `value` (bias_add_after: a constant [N] or
// [1, .., N] for a constant weight [K, N]), not a general elementwise Add. A group changes no
// shape, so the bias need not keep value's (lowering checks that before it fuses the pair).
bool is_bias_add(const Graph& g, const Node& mm, const std::string& value, int64_t next) {
  const Tensor* w = mm.inputs.size() > 1 ? g.find_initializer(mm.inputs[1]) : nullptr;
  std::string bias;
  return w && w->rank() == 2 && bias_add_after(g, value, w->dim(1), &bias, /*keeps_shape=*/false) == next;
}

// Relu, or (when `clip_ok`) Clip(min 0, constant max or none): ReLU and ReLU6.
bool is_activation(const Graph& g, const Node& n, const std::string& value, bool clip_ok) {
  if (!n.domain.empty() || n.inputs.empty() || n.inputs[0] != value) return false;
  if (n.op_type == "Relu") return true;
  if (!clip_ok || n.op_type != "Clip") return false;
  return clip_bound(g, n, 1, "min", -INFINITY) == 0.0f && !std::isnan(clip_bound(g, n, 2, "max", INFINITY));
}

bool is_weighted(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul";
}

}  // namespace

std::vector<FusedGroup> find_fused_groups(const Graph& g) {
  std::vector<FusedGroup> groups;
  std::set<size_t> members;  // a node in one chain heads no other (Add(bias) + Relu after MatMul)
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (members.count(i)) continue;
    const Node& head = g.nodes[i];
    const bool weighted = is_weighted(head.op_type);
    if (!head.domain.empty() || head.outputs.empty()) continue;
    if (!weighted && head.op_type != "Add" && head.op_type != "BatchNormalization") continue;
    FusedGroup fg{{i}, head.outputs[0]};
    auto append = [&](int64_t k) {
      fg.nodes.push_back(static_cast<size_t>(k));
      fg.output = g.nodes[k].outputs[0];
      return next_member(g, static_cast<size_t>(k));
    };
    int64_t next = next_member(g, i);
    if (head.op_type == "MatMul" && next >= 0 && is_bias_add(g, head, fg.output, next)) next = append(next);
    if (next >= 0 && is_activation(g, g.nodes[next], fg.output, weighted)) append(next);
    if (fg.nodes.size() == 1) continue;
    members.insert(fg.nodes.begin(), fg.nodes.end());
    groups.push_back(std::move(fg));
  }
  return groups;
}

}  // namespace octet
