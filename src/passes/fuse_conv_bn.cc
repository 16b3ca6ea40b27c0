#include "passes/fuse_conv_bn.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "passes/graph_util.h"

namespace octet {

namespace {

const Tensor* constant_f32(const Graph& g, const Node& n, size_t i) {
  if (!n.has_input(i)) return nullptr;
  const Tensor* t = g.find_initializer(n.inputs[i]);
  return t && t->dtype() == DType::kFloat32 ? t : nullptr;
}

// How the op before the BN lays out its output channels: the channel of each weight element, and
// the per-channel constant it adds (its bias, zeros when it has none).
struct Producer {
  const Tensor* weight = nullptr;
  int64_t channels = 0;
  std::function<int64_t(int64_t)> channel_of;  // flat weight index -> output channel
  std::vector<double> bias;
};

// The per-channel bias read from input `i` of `n` scaled by `beta`: absent -> zeros, one value ->
// broadcast, `channels` values -> as is; false for any other shape (not a per-channel constant).
bool read_bias(const Graph& g, const Node& n, size_t i, int64_t channels, double beta, std::vector<double>* bias) {
  bias->assign(channels, 0.0);
  if (!n.has_input(i)) return true;
  const Tensor* b = constant_f32(g, n, i);
  if (!b) return false;
  const bool row = b->rank() == 1 || (b->rank() == 2 && b->dim(0) == 1);
  if (b->numel() != 1 && !(row && b->numel() == channels)) return false;
  for (int64_t c = 0; c < channels; ++c) (*bias)[c] = beta * b->data<float>()[b->numel() == 1 ? 0 : c];
  return true;
}

// Fills `p` when `n` is an op whose output channels (axis 1 of its output) BN can fold into.
bool describe_producer(const Graph& g, const Node& n, Producer* p) {
  if (!n.domain.empty() || n.outputs.empty()) return false;
  const Tensor* w = constant_f32(g, n, 1);
  if (!w) return false;
  p->weight = w;
  if (n.op_type == "Conv") {
    // W [M, C/group, k...]: output channel m is axis 0 whatever the group.
    if (w->rank() < 3) return false;
    const int64_t per_channel = w->numel() / std::max<int64_t>(w->dim(0), 1);
    p->channels = w->dim(0);
    p->channel_of = [per_channel](int64_t i) { return i / per_channel; };
    return read_bias(g, n, 2, p->channels, 1.0, &p->bias);
  }
  if (n.op_type == "ConvTranspose") {
    // W [C, M/group, k...]: input channel ci belongs to group ci / (C/group), whose output channels
    // are group * M/group + j for j along axis 1 (ONNX ConvTranspose).
    const int64_t group = n.attr_int("group", 1);
    if (w->rank() < 3 || group < 1 || w->dim(0) % group != 0) return false;
    const int64_t in_per_group = w->dim(0) / group, out_per_group = w->dim(1);
    const int64_t inner = w->numel() / std::max<int64_t>(w->dim(0) * w->dim(1), 1);
    p->channels = out_per_group * group;
    p->channel_of = [=](int64_t i) {
      const int64_t ci = i / (out_per_group * inner), j = (i / inner) % out_per_group;
      return ci / in_per_group * out_per_group + j;
    };
    return read_bias(g, n, 2, p->channels, 1.0, &p->bias);
  }
  // Gemm before opset 7 broadcasts C only with its `broadcast` attribute: left alone.
  if (n.opset < 7 || w->rank() != 2) return false;
  if (n.op_type == "Gemm") {
    // Y = alpha A B + beta C, B = W or W^T: column n of Y reads column n of W or row n of W^T.
    const bool trans_b = n.attr_int("transB", 0) != 0;
    const int64_t cols = w->dim(1);
    p->channels = trans_b ? w->dim(0) : cols;
    p->channel_of = trans_b ? std::function<int64_t(int64_t)>([cols](int64_t i) { return i / cols; })
                            : std::function<int64_t(int64_t)>([cols](int64_t i) { return i % cols; });
    return read_bias(g, n, 2, p->channels, n.attr_float("beta", 1.0f), &p->bias);
  }
  if (n.op_type == "MatMul") {
    // Only X [M, K]: for higher ranks BN's channel axis 1 is not the feature axis N.
    const ValueInfo* x = g.find_value_info(n.inputs[0]);
    if (!x || !x->has_shape || x->shape.size() != 2) return false;
    const int64_t cols = w->dim(1);
    p->channels = cols;
    p->channel_of = [cols](int64_t i) { return i % cols; };
    p->bias.assign(cols, 0.0);
    return true;
  }
  return false;
}

// The per-channel affine map y = k[c] * x + t[c] that `node` applies to `value` (channel axis 1,
// or the last axis of a Gemm / MatMul output): an inference-mode BatchNormalization with constant
// float32 parameters and no running-statistics outputs, or Mul / Add / Sub / Div of `value` by a
// constant that is one value or one per channel (a learnable scale and shift after a
// convolution, as PP-OCR's blocks write them). False for anything else.
bool affine_after(const Graph& g, const Node& node, const std::string& value, int64_t channels, bool last_axis,
                  std::vector<double>* k, std::vector<double>* t) {
  if (!node.domain.empty() || node.inputs.empty()) return false;
  k->assign(channels, 1.0);
  t->assign(channels, 0.0);
  if (node.op_type == "BatchNormalization") {
    if (node.inputs.size() < 5 || node.inputs[0] != value) return false;
    if (node.attr_int("training_mode", 0) != 0 || node.attr_int("spatial", 1) != 1) return false;
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty()) return false;
    for (size_t i = 1; i < 5; ++i) {
      const Tensor* p = constant_f32(g, node, i);
      if (!p || p->numel() != channels) return false;
    }
    const float* gamma = g.find_initializer(node.inputs[1])->data<float>();
    const float* beta = g.find_initializer(node.inputs[2])->data<float>();
    const float* mean = g.find_initializer(node.inputs[3])->data<float>();
    const float* var = g.find_initializer(node.inputs[4])->data<float>();
    const double eps = node.attr_float("epsilon", 1e-5f);
    for (int64_t c = 0; c < channels; ++c) {
      (*k)[c] = gamma[c] / std::sqrt(double(var[c]) + eps);
      (*t)[c] = beta[c] - mean[c] * (*k)[c];
    }
    return true;
  }
  const std::string& op = node.op_type;
  if ((op != "Mul" && op != "Add" && op != "Sub" && op != "Div") || node.inputs.size() != 2 || node.outputs.size() != 1)
    return false;
  const bool first = node.inputs[0] == value;
  if ((first ? node.inputs[1] : node.inputs[0]) == value) return false;
  if (!first && op != "Mul" && op != "Add") return false;  // c - x, c / x are not of this form
  const Tensor* c = constant_f32(g, node, first ? 1 : 0);
  if (!c) return false;
  // One value, or one per channel laid out along the channel axis only.
  int64_t along = 0;
  for (int64_t d : c->shape()) along += d != 1;
  if (c->numel() != 1) {
    if (along != 1 || c->numel() != channels) return false;
    // The channel dim sits where the channel axis of the output broadcasts to: last for a Gemm
    // output, second for an N, C, ... output ([C, 1, ..., 1] or [1, C, 1, ...]).
    const Shape& s = c->shape();
    size_t at = 0;
    while (s[at] == 1) ++at;
    const size_t trailing = s.size() - 1 - at;
    const ValueInfo* vi = g.find_value_info(value);
    if (last_axis ? trailing != 0 : !(vi && vi->has_shape && trailing + 2 == vi->shape.size())) return false;
  }
  for (int64_t ch = 0; ch < channels; ++ch) {
    const double v = c->data<float>()[c->numel() == 1 ? 0 : ch];
    if (op == "Mul") (*k)[ch] = v;
    if (op == "Div") (*k)[ch] = 1.0 / v;
    if (op == "Add") (*t)[ch] = v;
    if (op == "Sub") (*t)[ch] = -v;
  }
  return true;
}

// Rewrites `n` to compute the affine map (k, t) of its output, node `by` (docs/quantization.md
// eqs. (F1), (F2) for a BatchNormalization): W'[c] = k[c] W[c], b'[c] = k[c] b[c] + t[c].
void fold(Graph& g, Node& n, const Producer& p, const Node& by, const std::vector<double>& k,
          const std::vector<double>& t) {
  Tensor b(DType::kFloat32, {p.channels});
  for (int64_t c = 0; c < p.channels; ++c) b.data<float>()[c] = static_cast<float>(p.bias[c] * k[c] + t[c]);
  Tensor w = p.weight->clone();
  float* wd = w.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i) wd[i] = static_cast<float>(wd[i] * k[p.channel_of(i)]);

  const std::string w_name = fresh_name(g, n.inputs[1] + "_bn_folded");
  g.initializers[w_name] = w;
  const std::string b_name = fresh_name(g, n.name + "_bias_bn_folded");
  g.initializers[b_name] = b;
  n.inputs.resize(3);
  n.inputs[1] = w_name;
  n.inputs[2] = b_name;
  if (n.op_type == "MatMul") n.op_type = "Gemm";
  n.attrs.erase("beta");  // the folded bias already carries Gemm's beta
  g.value_info.erase(n.outputs[0]);
  n.outputs[0] = by.outputs[0];
}

}  // namespace

int fuse_conv_bn(Graph& g) {
  std::set<size_t> dead;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    Producer p;
    if (dead.count(i) || !describe_producer(g, n, &p)) continue;
    const int64_t reader = sole_consumer(g, n.outputs[0]);
    std::vector<double> k, t;
    if (reader < 0 || dead.count(reader) ||
        !affine_after(g, g.nodes[reader], n.outputs[0], p.channels, n.op_type == "Gemm" || n.op_type == "MatMul", &k,
                      &t))
      continue;
    fold(g, n, p, g.nodes[reader], k, t);
    dead.insert(static_cast<size_t>(reader));
  }
  if (!dead.empty()) remove_nodes(g, dead);
  return static_cast<int>(dead.size());
}

}  // namespace octet
