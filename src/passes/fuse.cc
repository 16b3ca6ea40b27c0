#include "passes/fuse.h"

#include <cmath>

#include "passes/graph_util.h"

namespace octet {

namespace {

const Tensor* constant_f32(const Graph& g, const Node& n, size_t i) {
  if (!n.has_input(i)) return nullptr;
  const Tensor* t = g.find_initializer(n.inputs[i]);
  return t && t->dtype() == DType::kFloat32 ? t : nullptr;
}

}  // namespace

int fuse_conv_bn(Graph& g) {
  int fused = 0;
  std::set<size_t> dead;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.empty()) continue;
    const Tensor* w = constant_f32(g, conv, 1);
    if (!w || w->rank() < 3 || (conv.has_input(2) && !constant_f32(g, conv, 2))) continue;
    if (is_graph_output(g, conv.outputs[0])) continue;
    auto readers = consumers(g, conv.outputs[0]);
    if (readers.size() != 1) continue;
    Node& bn = g.nodes[readers[0]];
    if (bn.op_type != "BatchNormalization" || bn.inputs[0] != conv.outputs[0] || bn.attr_int("training_mode", 0)) continue;
    bool extra_outputs = false;
    for (size_t k = 1; k < bn.outputs.size(); ++k) extra_outputs |= !bn.outputs[k].empty();
    const Tensor *gamma = constant_f32(g, bn, 1), *beta = constant_f32(g, bn, 2), *mean = constant_f32(g, bn, 3),
                 *var = constant_f32(g, bn, 4);
    const int64_t oc = w->dim(0);
    if (extra_outputs || !gamma || !beta || !mean || !var) continue;
    if (gamma->numel() != oc || beta->numel() != oc || mean->numel() != oc || var->numel() != oc) continue;
    // (F1): BN(y) = gamma (y - mean) / sqrt(var + eps) + beta with y = w * x + b, so per output
    // channel c: w'[c] = w[c] * k[c], b'[c] = (b[c] - mean[c]) * k[c] + beta[c], k = gamma / sqrt(var + eps).
    const float eps = bn.attr_float("epsilon", 1e-5f);
    Tensor w2 = w->clone(), b2(DType::kFloat32, {oc});
    const int64_t per_channel = w->numel() / oc;
    const Tensor* b = constant_f32(g, conv, 2);
    for (int64_t c = 0; c < oc; ++c) {
      const double k = double(gamma->data<float>()[c]) / std::sqrt(double(var->data<float>()[c]) + eps);
      float* wc = w2.data<float>() + c * per_channel;
      for (int64_t j = 0; j < per_channel; ++j) wc[j] = static_cast<float>(wc[j] * k);
      const double bc = b ? b->data<float>()[c] : 0.0;
      b2.data<float>()[c] = static_cast<float>((bc - mean->data<float>()[c]) * k + beta->data<float>()[c]);
    }
    const std::string w_name = fresh_name(g, conv.inputs[1] + "_bn_folded");
    g.initializers[w_name] = w2;
    const std::string b_name = fresh_name(g, conv.name + "_bias_bn_folded");
    g.initializers[b_name] = b2;
    conv.inputs.resize(3);
    conv.inputs[1] = w_name;
    conv.inputs[2] = b_name;
    g.value_info.erase(conv.outputs[0]);
    conv.outputs[0] = bn.outputs[0];  // the Conv now writes what the BN wrote
    dead.insert(readers[0]);
    ++fused;
  }
  if (!dead.empty()) remove_nodes(g, dead);
  return fused;
}

int fuse_matmul_add(Graph& g) {
  int fused = 0;
  std::set<size_t> dead;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& mm = g.nodes[i];
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.inputs.size() != 2) continue;
    const Tensor* w = constant_f32(g, mm, 1);
    const ValueInfo* x = g.find_value_info(mm.inputs[0]);
    if (!w || w->rank() != 2 || !x || !x->has_shape || x->shape.size() != 2) continue;
    if (is_graph_output(g, mm.outputs[0])) continue;
    auto readers = consumers(g, mm.outputs[0]);
    if (readers.size() != 1) continue;
    const Node& add = g.nodes[readers[0]];
    if (add.op_type != "Add" || add.inputs.size() != 2) continue;
    const std::string& other = add.inputs[0] == mm.outputs[0] ? add.inputs[1] : add.inputs[0];
    const Tensor* bias = g.find_initializer(other);
    if (!bias || bias->dtype() != DType::kFloat32 || bias->numel() != w->dim(1)) continue;
    bool row = bias->rank() == 1 || (bias->rank() == 2 && bias->dim(0) == 1);
    if (!row) continue;
    Tensor b = bias->reshaped({w->dim(1)});
    const std::string b_name = fresh_name(g, mm.name + "_bias");
    g.initializers[b_name] = b;
    mm.op_type = "Gemm";
    mm.inputs.push_back(b_name);
    g.value_info.erase(mm.outputs[0]);
    mm.outputs[0] = add.outputs[0];
    dead.insert(readers[0]);
    ++fused;
  }
  if (!dead.empty()) remove_nodes(g, dead);
  return fused;
}

int fuse_for_quantization(Graph& g) { return fuse_conv_bn(g) + fuse_matmul_add(g); }

}  // namespace octet
