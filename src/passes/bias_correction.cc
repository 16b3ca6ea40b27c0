#include "passes/bias_correction.h"

#include <algorithm>
#include <functional>

#include "octet/runtime.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

bool has_bias_slot(const Node& n) { return n.op_type == "Conv" || n.op_type == "Gemm"; }

// Output channels of a Conv [OC, C/g, kh, kw] or Gemm (B is [K, N], or [N, K] with transB) weight.
int64_t output_channels(const Node& n, const Tensor& w) {
  if (n.op_type == "Gemm" && !n.attr_int("transB", 0)) return w.dim(1);
  return w.dim(0);
}

// The quantized heads whose bias convert() turns into int32 (a float [OC] constant), by node index,
// each with its level: 1 + the highest level among the corrected layers upstream of it.
std::map<size_t, int> correctable_layers(const Graph& fused, const QuantPlan& plan) {
  std::map<size_t, int> level;
  for (const QuantUnit& u : plan.units) {
    const Node& n = fused.nodes[u.nodes.front()];
    if (!has_bias_slot(n) || !n.has_input(2) || u.act_inputs.empty()) continue;
    const Tensor* w = fused.find_initializer(n.inputs[1]);
    const Tensor* b = fused.find_initializer(n.inputs[2]);
    if (w && b && b->dtype() == DType::kFloat32 && b->rank() == 1 && b->dim(0) == output_channels(n, *w))
      level[u.nodes.front()] = 0;
  }
  std::map<std::string, int64_t> producer;
  for (size_t i = 0; i < fused.nodes.size(); ++i)
    for (const auto& o : fused.nodes[i].outputs) producer[o] = static_cast<int64_t>(i);
  std::vector<int> upstream(fused.nodes.size(), -1);  // memo: highest layer level feeding node i
  std::function<int(size_t)> above = [&](size_t i) {
    if (upstream[i] >= 0) return upstream[i];
    int top = 0;
    for (const auto& in : fused.nodes[i].inputs) {
      auto p = producer.find(in);
      if (p == producer.end()) continue;
      auto l = level.find(p->second);
      top = std::max(top, l != level.end() ? l->second : above(p->second));
    }
    upstream[i] = top;
    if (level.count(i)) level[i] = top + 1;
    return top;
  };
  for (auto& [i, l] : level) l = above(i) + 1;
  return level;
}

// Per-channel (axis 1) sums of a node output over the data.
struct ChannelMean {
  std::vector<double> sum;
  int64_t count = 0;  // elements per channel
  void add(const Tensor& t) {
    OCTET_CHECK(t.dtype() == DType::kFloat32 && t.rank() >= 2 && t.dim(1) == static_cast<int64_t>(sum.size()),
                "bias correction: unexpected layer output of shape ", shape_str(t.shape()));
    const int64_t channels = t.dim(1), inner = t.numel() / (t.dim(0) * channels);
    const float* p = t.data<float>();
    for (int64_t b = 0; b < t.dim(0); ++b)
      for (int64_t c = 0; c < channels; ++c, p += inner) {
        double s = 0;
        for (int64_t i = 0; i < inner; ++i) s += p[i];
        sum[c] += s;
      }
    count += t.dim(0) * inner;
  }
  double mean(size_t c) const { return sum[c] / static_cast<double>(count); }
};

// Runs `g` over the data and returns the channel means of the outputs of the named nodes.
std::map<std::string, ChannelMean> layer_means(const Graph& g, const std::map<std::string, size_t>& channels,
                                               const std::map<std::string, Tensor>& data,
                                               const quant::CalibrationOptions& options, int64_t offset,
                                               int64_t total) {
  std::map<std::string, ChannelMean> means;
  std::map<std::string, ChannelMean*> by_value;
  for (const Node& n : g.nodes) {
    auto it = channels.find(n.name);
    if (it == channels.end()) continue;
    ChannelMean& m = means[n.name];
    m.sum.assign(it->second, 0.0);
    by_value[n.outputs.at(0)] = &m;
  }
  Executor exec(g, ExecutorOptions{options.threads});
  exec.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
    auto it = by_value.find(value);
    if (it != by_value.end()) it->second->add(t);
  });
  quant::run_calibration_batches(g, exec, data, options, offset, total);
  return means;
}

void add_to_bias(Graph& fused, Node& n, const std::vector<double>& shift) {
  std::string& b_name = n.inputs.at(2);
  // Tensors share storage on copy (the input model's among them): write to a clone, under a new
  // name when another node reads the same bias.
  Tensor corrected = fused.find_initializer(b_name)->clone();
  if (consumers(fused, b_name).size() > 1) b_name = fresh_name(fused, b_name + "_corrected");
  for (size_t c = 0; c < shift.size(); ++c)
    corrected.data<float>()[c] = static_cast<float>(corrected.data<float>()[c] + shift[c]);
  fused.initializers[b_name] = corrected;
}

}  // namespace

void add_missing_biases(Graph& fused, const QuantPlan& plan) {
  for (const QuantUnit& u : plan.units) {
    Node& n = fused.nodes[u.nodes.front()];
    if (!has_bias_slot(n) || n.has_input(2)) continue;
    const Tensor* w = fused.find_initializer(n.inputs.at(1));
    if (!w) continue;
    std::string name = fresh_name(fused, n.name + "_bias");
    Tensor zeros(DType::kFloat32, Shape{output_channels(n, *w)});
    std::fill(zeros.data<float>(), zeros.data<float>() + zeros.numel(), 0.0f);
    fused.initializers[name] = zeros;
    n.inputs.resize(3);
    n.inputs[2] = name;
  }
}

int bias_correction_passes(const Graph& fused, const QuantPlan& plan) {
  int levels = 0;
  for (const auto& [_, l] : correctable_layers(fused, plan)) levels = std::max(levels, l);
  return levels ? levels + 1 : 0;
}

Graph convert_with_bias_correction(Graph& fused, const QuantPlan& plan,
                                   const std::map<std::string, std::unique_ptr<quant::Observer>>& observers,
                                   const std::map<std::string, Tensor>& data, const quant::CalibrationOptions& options,
                                   ConvertNotes* notes) {
  const std::map<size_t, int> layers = correctable_layers(fused, plan);
  const int passes = bias_correction_passes(fused, plan);
  if (layers.empty()) return convert(fused, plan, observers, notes);
  const int64_t samples = quant::calibration_samples(fused, data, options);
  std::map<std::string, size_t> channels;
  for (const auto& [i, _] : layers) {
    const Node& n = fused.nodes[i];
    channels[n.name] = static_cast<size_t>(output_channels(n, *fused.find_initializer(n.inputs[1])));
  }
  const auto reference = layer_means(fused, channels, data, options, 0, passes * samples);
  for (int level = 1; level < passes; ++level) {
    std::map<std::string, size_t> now;
    for (const auto& [i, l] : layers)
      if (l == level) now[fused.nodes[i].name] = channels.at(fused.nodes[i].name);
    const auto quantized =
        layer_means(convert(fused, plan, observers), now, data, options, level * samples, passes * samples);
    for (const auto& [i, l] : layers) {
      if (l != level) continue;
      Node& n = fused.nodes[i];
      const ChannelMean &f = reference.at(n.name), &q = quantized.at(n.name);
      std::vector<double> shift(f.sum.size());
      for (size_t c = 0; c < shift.size(); ++c) shift[c] = f.mean(c) - q.mean(c);
      add_to_bias(fused, n, shift);
    }
  }
  return convert(fused, plan, observers, notes);
}

}  // namespace octet
