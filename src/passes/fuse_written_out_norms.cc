#include "passes/fuse_written_out_norms.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "ops/broadcast.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

Tensor filled(const Shape& shape, float v) {
  Tensor t(DType::kFloat32, shape);
  std::fill(t.data<float>(), t.data<float>() + t.numel(), v);
  return t;
}

// The constant `t` laid out over `shape`, the trailing dims of the value it multiplies or adds to:
// its dims before those must be 1, the others broadcast to `shape`. Undefined when they do not.
Tensor spread(const Tensor& t, const Shape& shape) {
  Shape view = t.shape();
  for (; view.size() > shape.size(); view.erase(view.begin()))
    if (view.front() != 1) return Tensor();
  if (!broadcasts_to(view, shape)) return Tensor();
  Tensor out = Tensor::uninitialized(DType::kFloat32, shape);
  const BroadcastPlan plan(shape, {&view}, "fuse_written_out_norms: ");
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[o + i] = src[in[0] + i * plan.step(0)];
  });
  return out;
}

// A per-channel constant ([C, 1, ...] or one value) as InstanceNormalization's [C].
Tensor per_channel(const Tensor& t, int64_t c) {
  if (t.numel() != c && t.numel() != 1) return Tensor();
  Tensor out = filled({c}, t.data<float>()[0]);
  std::copy(t.data<float>(), t.data<float>() + t.numel(), out.data<float>());
  return out;
}

struct FusedOp {
  std::string op_type;
  std::vector<Tensor> constants;  // inputs 1.. (named when the op is placed)
  std::map<std::string, Attribute> attrs;
};

// LayerNormalization over [axis, rank): the unit's axes must be exactly those, with fixed sizes.
std::optional<FusedOp> layer_normalization(const Graph& g, const WrittenOutNorm& w) {
  const ValueInfo* vi = g.find_value_info(w.input);
  if (!vi || !vi->has_shape || w.rank < 0 || w.axes.empty() || w.axes.back() != w.rank - 1) return std::nullopt;
  const int64_t axis = w.axes.front();
  if (axis < 0) return std::nullopt;  // an axis out of range
  Shape norm;
  for (int64_t i = axis; i < w.rank; ++i) {
    if (w.axes[i - axis] != i || !vi->shape[i].known()) return std::nullopt;
    norm.push_back(vi->shape[i].value);
  }
  FusedOp op{"LayerNormalization", {}, {{"axis", int_attr(axis)}, {"epsilon", float_attr(w.epsilon)}}};
  op.constants.push_back(w.scale.empty() ? filled(norm, 1.0f) : spread(*g.find_initializer(w.scale), norm));
  if (!w.bias.empty()) op.constants.push_back(spread(*g.find_initializer(w.bias), norm));
  return op;
}

// InstanceNormalization: gamma and beta become one value per channel ([C]).
std::optional<FusedOp> instance_normalization(const Graph& g, const WrittenOutNorm& w) {
  const ValueInfo* vi = g.find_value_info(w.input);
  int64_t c = vi && vi->has_shape && vi->shape.size() > 1 ? vi->shape[1].value : -1;
  for (const std::string& name : {w.scale, w.bias})
    if (const Tensor* t = name.empty() ? nullptr : g.find_initializer(name); t && t->numel() > 1) c = t->numel();
  if (c < 0) return std::nullopt;
  FusedOp op{"InstanceNormalization", {}, {{"epsilon", float_attr(w.epsilon)}}};
  for (const auto& [name, absent] : {std::pair{w.scale, 1.0f}, std::pair{w.bias, 0.0f}})
    op.constants.push_back(name.empty() ? filled({c}, absent) : per_channel(*g.find_initializer(name), c));
  return op;
}

// Softmax over one axis; before opset 13 Softmax flattens from `axis` on, which is the same only
// for the last axis (and negative axes date from opset 11).
std::optional<FusedOp> softmax(const Graph& g, const WrittenOutNorm& w) {
  const int opset = g.opsets.count("") ? g.opsets.at("") : 1;
  if (w.axes.size() != 1) return std::nullopt;
  const int64_t axis = w.axes[0];
  const bool last = axis == -1 || (w.rank >= 0 && axis == w.rank - 1);
  if ((opset < 13 && !last) || (opset < 11 && axis < 0)) return std::nullopt;
  return FusedOp{"Softmax", {}, {{"axis", int_attr(axis)}}};
}

std::optional<FusedOp> fused_op(const Graph& g, const WrittenOutNorm& w, bool for_export) {
  const int opset = g.opsets.count("") ? g.opsets.at("") : 1;
  std::optional<FusedOp> op;
  if (!w.direct) return op;
  if (w.kind == NormKind::kLayerNorm && (!for_export || opset >= 17)) op = layer_normalization(g, w);
  if (w.kind == NormKind::kInstanceNorm) op = instance_normalization(g, w);
  if (w.kind == NormKind::kSoftmax) op = softmax(g, w);
  if (op && std::any_of(op->constants.begin(), op->constants.end(), [](const Tensor& t) { return !t.defined(); }))
    return std::nullopt;
  return op;
}

}  // namespace

std::vector<NormKind> fuse_written_out_norms(Graph& g, bool for_export) {
  std::vector<NormKind> fused;
  std::set<size_t> gone;
  for (const WrittenOutNorm& w : find_written_out_norms(g)) {
    std::optional<FusedOp> op = fused_op(g, w, for_export);
    // The node writing the unit's output, last in graph order, becomes the op; the others go.
    Node& n = g.nodes[w.nodes.back()];
    if (!op || n.outputs[0] != w.output) continue;
    n.op_type = op->op_type;
    n.domain.clear();
    n.opset = g.opsets.count("") ? g.opsets.at("") : 1;
    n.inputs = {w.input};
    for (size_t i = 0; i < op->constants.size(); ++i) {
      const std::string name = fresh_name(g, n.name + (i == 0 ? "_scale" : "_bias"));
      g.initializers[name] = op->constants[i];
      n.inputs.push_back(name);
    }
    n.outputs = {w.output};
    n.attrs = op->attrs;
    gone.insert(w.nodes.begin(), w.nodes.end() - 1);
    fused.push_back(w.kind);
  }
  remove_nodes(g, gone);
  return fused;
}

}  // namespace octet
