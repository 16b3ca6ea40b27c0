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

// Whether `bn` is an inference-mode BatchNormalization over `channels` channels reading `value`,
// with constant float32 parameters and no running-statistics outputs.
bool foldable_bn(const Graph& g, const Node& bn, const std::string& value, int64_t channels) {
  if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() < 5 || bn.inputs[0] != value)
    return false;
  if (bn.attr_int("training_mode", 0) != 0 || bn.attr_int("spatial", 1) != 1) return false;
  for (size_t k = 1; k < bn.outputs.size(); ++k)
    if (!bn.outputs[k].empty()) return false;
  for (size_t k = 1; k < 5; ++k) {
    const Tensor* t = constant_f32(g, bn, k);
    if (!t || t->numel() != channels) return false;
  }
  return true;
}

// Rewrites `n` to compute BN(n(x)): docs/quantization.md eqs. (F1), (F2).
void fold(Graph& g, Node& n, const Producer& p, const Node& bn) {
  const float* gamma = g.find_initializer(bn.inputs[1])->data<float>();
  const float* beta = g.find_initializer(bn.inputs[2])->data<float>();
  const float* mean = g.find_initializer(bn.inputs[3])->data<float>();
  const float* var = g.find_initializer(bn.inputs[4])->data<float>();
  const double eps = bn.attr_float("epsilon", 1e-5f);
  std::vector<double> k(p.channels);
  Tensor b(DType::kFloat32, {p.channels});
  for (int64_t c = 0; c < p.channels; ++c) {
    k[c] = gamma[c] / std::sqrt(double(var[c]) + eps);
    b.data<float>()[c] = static_cast<float>((p.bias[c] - mean[c]) * k[c] + beta[c]);
  }
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
  n.outputs[0] = bn.outputs[0];
}

}  // namespace

int fuse_conv_bn(Graph& g) {
  std::set<size_t> dead;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    Producer p;
    if (dead.count(i) || !describe_producer(g, n, &p)) continue;
    const int64_t reader = sole_consumer(g, n.outputs[0]);
    if (reader < 0 || dead.count(reader) || !foldable_bn(g, g.nodes[reader], n.outputs[0], p.channels)) continue;
    fold(g, n, p, g.nodes[reader]);
    dead.insert(static_cast<size_t>(reader));
  }
  if (!dead.empty()) remove_nodes(g, dead);
  return static_cast<int>(dead.size());
}

}  // namespace octet
