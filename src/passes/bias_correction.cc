#include "passes/bias_correction.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "kernels/qmath.h"
#include "octet/runtime.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"
#include "quant/weight_quant.h"

namespace octet {

namespace {

bool has_bias_slot(const Node& n) { return n.op_type == "Conv" || n.op_type == "Gemm"; }

int64_t output_channels(const Node& n, const Tensor& w) { return w.dim(quant::weight_channel_axis(n, w.rank())); }

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

// The scale of the DequantizeLinear that produces `value`, or null.
const Tensor* dq_scale(const Graph& qdq, const std::string& value) {
  const int64_t p = producer_index(qdq, value);
  if (p < 0 || qdq.nodes[p].op_type != "DequantizeLinear" || !qdq.nodes[p].has_input(1)) return nullptr;
  return qdq.find_initializer(qdq.nodes[p].inputs[1]);
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

// The QDQ passes of bias correction, each computing only what the last correction changed. A
// node's "level" is the highest level among the corrected layers upstream of it, itself included
// (0 for none): its output is final once the layers of its level are corrected. Pass L therefore
// runs the nodes of level L - 1 (now final) and the level-L layers (to measure them), on the
// values earlier passes kept for it, and keeps what a later pass will read; every node runs once,
// the measured layers twice, instead of the whole model once per level. The QDQ graph is made and
// its weights folded to float constants once; a correction then rewrites only the layer's
// dequantized bias (set_bias), as convert() would quantize it.
class IncrementalQdq {
 public:
  IncrementalQdq(Graph qdq, const std::map<std::string, int>& level_of, std::vector<CalibrationBatch> batches,
                 int threads)
      : batches_(std::move(batches)), kept_(batches_.size()), threads_(threads) {
    // Each corrected layer's int32 bias scale, x_scale * w_scale (per channel or one) as convert()
    // rounds the bias with, read from its input's and weight's DequantizeLinear before folding
    // turns the weight's into a float constant.
    for (const Node& n : qdq.nodes) {
      if (!level_of.count(n.name) || !n.has_input(2)) continue;
      const Tensor* x_scale = dq_scale(qdq, n.inputs[0]);
      const Tensor* w_scale = dq_scale(qdq, n.inputs[1]);
      if (!x_scale || !w_scale || x_scale->numel() != 1) continue;
      Tensor scale(DType::kFloat32, {w_scale->numel()});
      for (int64_t c = 0; c < w_scale->numel(); ++c)
        scale.data<float>()[c] = x_scale->data<float>()[0] * w_scale->data<float>()[c];
      bias_scale_[n.name] = {n.inputs[2], scale};
    }
    fold_constants(qdq);
    qdq_ = std::move(qdq);
    node_level_ = levels(qdq_, level_of);
    for (size_t i = 0; i < qdq_.nodes.size(); ++i)
      for (const auto& in : qdq_.nodes[i].inputs) last_reader_[in] = std::max(last_reader_[in], node_level_[i]);
  }

  // The corrected float bias of layer `name`, as the QDQ graph runs it: quantized to int32 with
  // the bias scale and dequantized (convert.cc's bias rule, then DequantizeLinear's).
  void set_bias(const std::string& name, const Tensor& bias) {
    auto it = bias_scale_.find(name);
    OCTET_CHECK(it != bias_scale_.end(), "bias correction: layer '", name, "' has no quantized bias in the QDQ graph");
    const auto& [value, scale] = it->second;
    Tensor dq(DType::kFloat32, bias.shape());
    for (int64_t c = 0; c < bias.numel(); ++c) {
      const float s = scale.data<float>()[scale.numel() == 1 ? 0 : c];
      const double q = quant::bias_code(bias.data<float>()[c], s);
      dq.data<float>()[c] = dequantize_value<int32_t>(static_cast<int32_t>(q), s, 0);
    }
    qdq_.initializers[value] = dq;
  }

  // Channel means of the outputs of the `measured` layers (all of level `level`) in the QDQ graph
  // with the layers of lower levels corrected. Passes must come in order 1, 2, ...
  std::map<std::string, ChannelMean> measure(int level, const std::map<std::string, size_t>& measured,
                                             const std::function<void(int64_t samples_done)>& progress) {
    const Graph& qdq = qdq_;
    const std::vector<int>& node_level = node_level_;
    std::map<std::string, int>& last_reader = last_reader_;
    Graph part;
    part.opsets = qdq.opsets;
    std::set<std::string> written, outputs;
    std::map<std::string, ChannelMean> means;
    std::map<std::string, ChannelMean*> by_value;
    for (size_t i = 0; i < qdq.nodes.size(); ++i) {
      const Node& n = qdq.nodes[i];
      auto m = measured.find(n.name);
      if (node_level[i] != level - 1 && m == measured.end()) continue;
      part.nodes.push_back(n);
      for (const auto& in : n.inputs) {
        if (in.empty() || written.count(in)) continue;
        if (const Tensor* t = qdq.find_initializer(in)) {
          part.initializers[in] = *t;
        } else if (!std::any_of(part.inputs.begin(), part.inputs.end(),
                                [&](const ValueInfo& v) { return v.name == in; })) {
          part.inputs.push_back({in, input_dtype(in), false, {}});
        }
      }
      for (const auto& o : n.outputs) {
        if (o.empty()) continue;
        written.insert(o);
        if (node_level[i] == level - 1 && last_reader[o] >= level) outputs.insert(o);
      }
      if (m != measured.end()) {
        ChannelMean& cm = means[n.name];
        cm.sum.assign(m->second, 0.0);
        by_value[n.outputs.at(0)] = &cm;
        outputs.insert(n.outputs.at(0));
      }
    }
    for (const auto& o : outputs) part.outputs.push_back({o, DType::kFloat32, false, {}});
    Executor exec(part, ExecutorOptions{threads_});
    exec.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
      auto it = by_value.find(value);
      if (it != by_value.end()) it->second->add(t);
    });
    int64_t done = 0;
    for (size_t b = 0; b < batches_.size(); ++b) {
      std::map<std::string, Tensor> feeds;
      for (const ValueInfo& in : part.inputs) {
        auto it = kept_[b].find(in.name);
        if (it == kept_[b].end()) it = batches_[b].feeds.find(in.name);
        OCTET_CHECK(it != kept_[b].end() && it != batches_[b].feeds.end(), "bias correction: value '", in.name,
                    "' is needed by pass ", level, " but no earlier pass kept it");
        feeds[in.name] = it->second;
      }
      // The measured outputs still carry uncorrected biases: pass level + 1 computes them again.
      for (auto& [name, t] : exec.run(feeds))
        if (!by_value.count(name)) kept_[b][name] = std::move(t);
      for (auto it = kept_[b].begin(); it != kept_[b].end();)
        it = last_reader[it->first] >= level ? std::next(it) : kept_[b].erase(it);
      done += batches_[b].samples;
      progress(done);
    }
    return means;
  }

 private:
  static std::vector<int> levels(const Graph& qdq, const std::map<std::string, int>& level_of) {
    std::map<std::string, int> of_value;
    std::vector<int> out(qdq.nodes.size(), 0);
    for (size_t i = 0; i < qdq.nodes.size(); ++i) {
      const Node& n = qdq.nodes[i];
      int l = 0;
      if (auto it = level_of.find(n.name); it != level_of.end()) l = it->second;
      for (const auto& in : n.inputs)
        if (auto it = of_value.find(in); it != of_value.end()) l = std::max(l, it->second);
      for (const auto& o : n.outputs) of_value[o] = l;
      out[i] = l;
    }
    return out;
  }

  DType input_dtype(const std::string& name) const {
    for (const auto& batch : {std::cref(kept_.front()), std::cref(batches_.front().feeds)})
      if (auto it = batch.get().find(name); it != batch.get().end()) return it->second.dtype();
    return DType::kFloat32;
  }

  Graph qdq_;
  std::vector<int> node_level_;
  std::map<std::string, int> last_reader_;                            // the highest level among each value's readers
  std::map<std::string, std::pair<std::string, Tensor>> bias_scale_;  // layer -> (bias value, scale)
  std::vector<CalibrationBatch> batches_;
  std::vector<std::map<std::string, Tensor>> kept_;  // per batch: values later passes read
  int threads_;
};

}  // namespace

void ChannelMean::add(const Tensor& t) {
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

BiasReference::BiasReference(const Graph& fused, const QuantPlan& plan) {
  for (const auto& [i, _] : correctable_layers(fused, plan)) {
    const Node& n = fused.nodes[i];
    ChannelMean& m = means_[n.name];
    m.sum.assign(output_channels(n, *fused.find_initializer(n.inputs[1])), 0.0);
    by_value_[n.outputs.at(0)] = &m;
  }
}

ValueHook BiasReference::hook() {
  return [this](const Node*, const std::string& value, const Tensor& t) {
    auto it = by_value_.find(value);
    if (it != by_value_.end()) it->second->add(t);
  };
}

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
                                   const std::map<std::string, Tensor>& data, const CalibrationOptions& options,
                                   ConvertNotes* notes, const BiasReference* reference) {
  const std::map<size_t, int> layers = correctable_layers(fused, plan);
  const int passes = bias_correction_passes(fused, plan);
  if (layers.empty()) return convert(fused, plan, observers, notes);
  const int64_t samples = calibration_samples(fused, data, options);
  std::map<std::string, size_t> channels;
  std::map<std::string, int> level_of;
  for (const auto& [i, l] : layers) {
    const Node& n = fused.nodes[i];
    channels[n.name] = static_cast<size_t>(output_channels(n, *fused.find_initializer(n.inputs[1])));
    level_of[n.name] = l;
  }
  // The float pass, unless calibration made it over these samples already.
  std::optional<BiasReference> own;
  if (!reference) {
    own.emplace(fused, plan);
    Executor exec(fused, ExecutorOptions{options.threads});
    exec.add_hook(own->hook());
    run_calibration_batches(fused, exec, data, options, 0, passes * samples);
  }
  const std::map<std::string, ChannelMean>& float_means = (reference ? *reference : *own).means();
  const int64_t done_before = reference ? 0 : samples, total = (reference ? passes - 1 : passes) * samples;
  IncrementalQdq qdq_passes(convert(fused, plan, observers), level_of, calibration_batches(fused, data, options),
                            options.threads);
  for (int level = 1; level < passes; ++level) {
    std::map<std::string, size_t> now;
    for (const auto& [i, l] : layers)
      if (l == level) now[fused.nodes[i].name] = channels.at(fused.nodes[i].name);
    const auto quantized = qdq_passes.measure(level, now, [&](int64_t done) {
      if (options.progress) options.progress(done_before + (level - 1) * samples + done, total);
    });
    for (const auto& [i, l] : layers) {
      if (l != level) continue;
      Node& n = fused.nodes[i];
      const ChannelMean &f = float_means.at(n.name), &q = quantized.at(n.name);
      std::vector<double> shift(f.sum.size());
      for (size_t c = 0; c < shift.size(); ++c) shift[c] = f.mean(c) - q.mean(c);
      add_to_bias(fused, n, shift);
      qdq_passes.set_bias(n.name, *fused.find_initializer(n.inputs[2]));
    }
  }
  return convert(fused, plan, observers, notes);
}

}  // namespace octet
