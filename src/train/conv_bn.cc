#include "train/conv_bn.h"

#include <cmath>

#include "octet/error.h"

namespace octet::train {

namespace {

const Tensor& get(const std::map<std::string, Tensor>& tensors, const std::string& name) {
  auto it = tensors.find(name);
  OCTET_CHECK(it != tensors.end(), "Conv+BatchNormalization: no tensor '", name, "'");
  return it->second;
}

const float* values(const std::map<std::string, Tensor>& tensors, const std::string& name) {
  return get(tensors, name).data<float>();
}

bool constant_channels(const Graph& g, const std::string& name, int64_t channels) {
  const Tensor* t = g.find_initializer(name);
  return t && t->dtype() == DType::kFloat32 && t->rank() == 1 && t->dim(0) == channels;
}

// [N, C, ...]: fn(c, first, count) for every run of channel c's elements.
template <class Fn>
void for_each_channel_run(const Tensor& t, Fn fn) {
  const int64_t n = t.dim(0), channels = t.dim(1), inner = t.numel() / std::max<int64_t>(1, n * channels);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < channels; ++c) fn(c, (b * channels + c) * inner, inner);
}

}  // namespace

std::vector<ConvBn> find_conv_bns(const Graph& model) {
  std::map<std::string, int> readers;
  for (const Node& n : model.nodes)
    for (const auto& v : n.inputs) ++readers[v];
  for (const ValueInfo& o : model.outputs) ++readers[o.name];
  std::vector<ConvBn> found;
  for (const Node& conv : model.nodes) {
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) continue;
    const Tensor* w = conv.has_input(1) ? model.find_initializer(conv.inputs[1]) : nullptr;
    if (!w || w->dtype() != DType::kFloat32 || w->rank() < 3) continue;
    const int64_t oc = w->dim(0);
    if (conv.has_input(2) && !constant_channels(model, conv.inputs[2], oc)) continue;
    if (readers[conv.outputs[0]] != 1) continue;
    for (const Node& bn : model.nodes) {
      if (bn.op_type != "BatchNormalization" || bn.inputs.size() < 5 || bn.inputs[0] != conv.outputs[0]) continue;
      bool ok = bn.attr_int("training_mode", 0) == 0;
      for (size_t i = 1; i < bn.outputs.size(); ++i) ok = ok && bn.outputs[i].empty();
      for (size_t i = 1; i < 5; ++i) ok = ok && constant_channels(model, bn.inputs[i], oc);
      if (ok)
        found.push_back({conv.name, conv.inputs[1], conv.has_input(2) ? conv.inputs[2] : "", bn.inputs[1], bn.inputs[2],
                         bn.inputs[3], bn.inputs[4], bn.attr_float("epsilon", 1e-5f), bn.attr_float("momentum", 0.9f)});
    }
  }
  return found;
}

FoldFactors fold_factors(const ConvBn& cb, const std::map<std::string, Tensor>& tensors) {
  const Tensor& scale = get(tensors, cb.scale);
  const float* var = values(tensors, cb.var);
  FoldFactors f{std::vector<double>(scale.numel()), std::vector<double>(scale.numel())};
  for (size_t c = 0; c < f.s.size(); ++c) {
    f.inv_sigma[c] = 1 / std::sqrt(double(var[c]) + cb.epsilon);
    f.s[c] = scale.data<float>()[c] / std::sqrt(double(var[c]) + cb.epsilon);  // fuse_conv_bn's k, bit for bit
  }
  return f;
}

Tensor folded_weight(const ConvBn& cb, const FoldFactors& fold, const std::map<std::string, Tensor>& tensors) {
  const std::vector<double>& s = fold.s;
  Tensor w = get(tensors, cb.weight).clone();
  const int64_t inner = w.numel() / w.dim(0);
  float* d = w.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i) d[i] = static_cast<float>(d[i] * s[i / inner]);
  return w;
}

Tensor folded_bias(const ConvBn& cb, const FoldFactors& fold, const std::map<std::string, Tensor>& tensors) {
  const std::vector<double>& s = fold.s;
  const float* mean = values(tensors, cb.mean);
  const float* shift = values(tensors, cb.shift);
  const float* b = cb.bias.empty() ? nullptr : values(tensors, cb.bias);
  Tensor out(DType::kFloat32, {static_cast<int64_t>(s.size())});
  // fuse_conv_bn's k b + t with k = s, t = shift - mean s.
  for (size_t c = 0; c < s.size(); ++c)
    out.data<float>()[c] = static_cast<float>((b ? b[c] : 0.0) * s[c] + (shift[c] - mean[c] * s[c]));
  return out;
}

BnBatch batch_norm_train(const ConvBn& cb, const FoldFactors& fold, const Tensor& z,
                         std::map<std::string, Tensor>& tensors) {
  const int64_t channels = z.dim(1), per_channel = z.numel() / channels;
  BnBatch r{Tensor::uninitialized(DType::kFloat32, z.shape()), Tensor::uninitialized(DType::kFloat32, z.shape()),
            std::vector<double>(channels)};
  const std::vector<double>& s = fold.s;
  const float* b = cb.bias.empty() ? nullptr : values(tensors, cb.bias);
  const float* scale = values(tensors, cb.scale);
  const float* shift = values(tensors, cb.shift);
  // c = z / s + b; a channel with s = 0 (gamma = 0) is b.
  auto c_of = [&](int64_t ch, float zv) { return (s[ch] != 0 ? zv / s[ch] : 0.0) + (b ? b[ch] : 0.0); };
  std::vector<double> sum(channels, 0), sq(channels, 0);
  const float* zd = z.data<float>();
  for_each_channel_run(z, [&](int64_t ch, int64_t first, int64_t len) {
    for (int64_t i = first; i < first + len; ++i) sum[ch] += c_of(ch, zd[i]);
  });
  std::vector<double> mean(channels);
  for (int64_t ch = 0; ch < channels; ++ch) mean[ch] = sum[ch] / double(per_channel);
  for_each_channel_run(z, [&](int64_t ch, int64_t first, int64_t len) {
    for (int64_t i = first; i < first + len; ++i) sq[ch] += (c_of(ch, zd[i]) - mean[ch]) * (c_of(ch, zd[i]) - mean[ch]);
  });
  float* running_mean = tensors.at(cb.mean).data<float>();
  float* running_var = tensors.at(cb.var).data<float>();
  for (int64_t ch = 0; ch < channels; ++ch) {
    const double var = sq[ch] / double(per_channel);
    r.inv_std[ch] = 1 / std::sqrt(var + cb.epsilon);
    const double unbiased = per_channel > 1 ? sq[ch] / double(per_channel - 1) : var;
    running_mean[ch] = static_cast<float>(cb.momentum * running_mean[ch] + (1 - cb.momentum) * mean[ch]);
    running_var[ch] = static_cast<float>(cb.momentum * running_var[ch] + (1 - cb.momentum) * unbiased);
  }
  float* y = r.y.data<float>();
  float* xhat = r.normalized.data<float>();
  for_each_channel_run(z, [&](int64_t ch, int64_t first, int64_t len) {
    for (int64_t i = first; i < first + len; ++i) {
      xhat[i] = static_cast<float>((c_of(ch, zd[i]) - mean[ch]) * r.inv_std[ch]);
      y[i] = scale[ch] * xhat[i] + shift[ch];
    }
  });
  return r;
}

Tensor batch_norm_train_backward(const ConvBn& cb, const FoldFactors& fold, const BnBatch& saved, const Tensor& z,
                                 const Tensor& grad_y, const std::map<std::string, Tensor>& tensors,
                                 std::map<std::string, Tensor>& grads, std::vector<double>& grad_s) {
  const int64_t channels = z.dim(1), per_channel = z.numel() / channels;
  const float* scale = values(tensors, cb.scale);
  const float* gy = grad_y.data<float>();
  const float* xhat = saved.normalized.data<float>();
  // dshift = sum gy; dscale = sum gy xhat; dc = scale inv_std (gy - mean(gy) - xhat mean(gy xhat)).
  std::vector<double> sum_gy(channels, 0), sum_gy_xhat(channels, 0);
  for_each_channel_run(z, [&](int64_t ch, int64_t first, int64_t len) {
    for (int64_t i = first; i < first + len; ++i) {
      sum_gy[ch] += gy[i];
      sum_gy_xhat[ch] += double(gy[i]) * xhat[i];
    }
  });
  Tensor dz = Tensor::uninitialized(DType::kFloat32, z.shape());
  float* dzd = dz.data<float>();
  const float* zd = z.data<float>();
  std::vector<double> sum_dc(channels, 0), sum_dc_z(channels, 0);
  for_each_channel_run(z, [&](int64_t ch, int64_t first, int64_t len) {
    const double k = scale[ch] * saved.inv_std[ch], m1 = sum_gy[ch] / double(per_channel),
                 m2 = sum_gy_xhat[ch] / double(per_channel), s = fold.s[ch];
    for (int64_t i = first; i < first + len; ++i) {
      const double dc = k * (gy[i] - m1 - xhat[i] * m2);
      sum_dc[ch] += dc;
      sum_dc_z[ch] += dc * zd[i];
      dzd[i] = s != 0 ? static_cast<float>(dc / s) : 0.0f;  // c = z / s + b
    }
  });
  auto add = [&](const std::string& name, const std::vector<double>& g) {
    Tensor t(DType::kFloat32, {channels});
    for (int64_t ch = 0; ch < channels; ++ch) t.data<float>()[ch] = static_cast<float>(g[ch]);
    auto it = grads.find(name);
    if (it == grads.end()) grads.emplace(name, t);
    else
      for (int64_t ch = 0; ch < channels; ++ch) it->second.data<float>()[ch] += t.data<float>()[ch];
  };
  add(cb.shift, sum_gy);
  add(cb.scale, sum_gy_xhat);
  if (!cb.bias.empty()) add(cb.bias, sum_dc);
  grad_s.assign(channels, 0);
  for (int64_t ch = 0; ch < channels; ++ch)
    if (fold.s[ch] != 0) grad_s[ch] = -sum_dc_z[ch] / (fold.s[ch] * fold.s[ch]);
  return dz;
}

void unfold_gradients(const ConvBn& cb, const FoldFactors& fold, const std::string& folded_w,
                      const std::string& folded_b, const std::vector<double>& grad_s,
                      const std::map<std::string, Tensor>& tensors, std::map<std::string, Tensor>& grads) {
  const std::vector<double>& s = fold.s;
  const int64_t channels = static_cast<int64_t>(s.size());
  std::vector<double> ds(channels, 0);
  for (int64_t ch = 0; ch < channels && ch < static_cast<int64_t>(grad_s.size()); ++ch) ds[ch] = grad_s[ch];
  auto accumulate = [&](const std::string& name, const Tensor& g) {
    auto it = grads.find(name);
    if (it == grads.end()) {
      grads.emplace(name, g);
      return;
    }
    Tensor sum = it->second.clone();
    for (int64_t i = 0; i < sum.numel(); ++i) sum.data<float>()[i] += g.data<float>()[i];
    it->second = sum;
  };
  if (auto it = grads.find(folded_w); it != grads.end()) {  // W' = W s
    const Tensor dwf = it->second;
    grads.erase(it);
    const Tensor& w = get(tensors, cb.weight);
    const int64_t inner = w.numel() / channels;
    Tensor dw = Tensor::uninitialized(DType::kFloat32, w.shape());
    for (int64_t i = 0; i < w.numel(); ++i) {
      dw.data<float>()[i] = static_cast<float>(dwf.data<float>()[i] * s[i / inner]);
      ds[i / inner] += double(dwf.data<float>()[i]) * w.data<float>()[i];
    }
    accumulate(cb.weight, dw);
  }
  if (auto it = grads.find(folded_b); it != grads.end()) {  // b' = (b - mean) s + shift
    const Tensor dbf = it->second;
    grads.erase(it);
    const float* mean = values(tensors, cb.mean);
    const float* b = cb.bias.empty() ? nullptr : values(tensors, cb.bias);
    Tensor db(DType::kFloat32, {channels});
    for (int64_t ch = 0; ch < channels; ++ch) {
      db.data<float>()[ch] = static_cast<float>(dbf.data<float>()[ch] * s[ch]);
      ds[ch] += double(dbf.data<float>()[ch]) * ((b ? b[ch] : 0.0) - mean[ch]);
    }
    if (!cb.bias.empty()) accumulate(cb.bias, db);
    accumulate(cb.shift, dbf);
  }
  // s = scale inv_sigma.
  Tensor dscale(DType::kFloat32, {channels});
  for (int64_t ch = 0; ch < channels; ++ch) dscale.data<float>()[ch] = static_cast<float>(ds[ch] * fold.inv_sigma[ch]);
  accumulate(cb.scale, dscale);
}

}  // namespace octet::train
