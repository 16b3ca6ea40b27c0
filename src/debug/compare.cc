// octet::compare_models (include/octet/debug.h): the float model, the quantized model and the
// quantized model with its layers isolated run side by side, batch by batch; Executor hooks
// accumulate each shared value's error as it is produced, so no run's values outlive its batch.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <set>

#include "debug/error_stats.h"
#include "debug/isolate.h"
#include "debug/layer_match.h"
#include "debug/weight_error.h"
#include "octet/debug.h"
#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "passes/fold_constants.h"
#include "passes/fuse.h"

namespace octet {

namespace {

// A dynamically quantized model quantizes its activations only at run time, in the kernels: as
// written it holds just the dequantized weights. Everything else runs as written.
bool quantizes_at_run_time(const Graph& quantized) {
  for (const Node& n : quantized.nodes)
    if (n.op_type == "QuantizeLinear" || n.op_type == "DynamicQuantizeLinear") return false;
  return quantized.metadata.count("octet.dynamic") > 0;
}

const Node* find_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

// The weights a layer's node reads through a DequantizeLinear of a constant of rank 2 or more,
// each against the float weight the same-named node of a reference graph reads at the same input.
// The quantizer may have folded BatchNormalization into the weight or not (octet does; ONNX
// Runtime without its pre-processing does not): of the references, the one the quantized weight is
// closest to is the one it was made from.
std::vector<WeightError> layer_weights(const Graph& quantized, const std::vector<Graph>& references,
                                       const std::string& node_name) {
  std::vector<WeightError> weights;
  const Node* reader = find_node(quantized, node_name);
  if (!reader) return weights;
  for (size_t k = 0; k < reader->inputs.size(); ++k) {
    const Node* dq = nullptr;
    for (const Node& n : quantized.nodes)
      if (n.op_type == "DequantizeLinear" && !n.outputs.empty() && n.outputs[0] == reader->inputs[k]) dq = &n;
    const Tensor* q = dq && dq->has_input(0) ? quantized.find_initializer(dq->inputs[0]) : nullptr;
    if (!q || q->rank() < 2) continue;
    std::optional<WeightError> best;
    for (const Graph& reference : references) {
      const Node* ref = find_node(reference, node_name);
      const Tensor* w = ref && k < ref->inputs.size() ? reference.find_initializer(ref->inputs[k]) : nullptr;
      if (!w || w->shape() != q->shape() || w->dtype() != DType::kFloat32) continue;
      WeightError e = weight_error(quantized, *dq, *reader, *w);
      if (!best || e.sqnr_db > best->sqnr_db) best = std::move(e);
    }
    if (best) weights.push_back(std::move(*best));
  }
  return weights;
}

// Accumulates, for every layer whose probe a run produces, its error against the float values.
class ErrorHook {
 public:
  ErrorHook(const std::vector<MatchedLayer>& layers, std::vector<ErrorStats>& stats,
            std::vector<std::string>& mismatches)
      : layers_(layers), stats_(stats), mismatches_(mismatches) {
    for (size_t i = 0; i < layers.size(); ++i) by_probe_[layers[i].probe] = i;
  }
  void set_reference(const std::map<std::string, Tensor>* float_values) { float_values_ = float_values; }
  ValueHook hook() {
    return [this](const Node*, const std::string& value, const Tensor& t) {
      auto it = by_probe_.find(value);
      if (it == by_probe_.end()) return;
      const MatchedLayer& layer = layers_[it->second];
      auto ref = float_values_->find(layer.tensor);
      if (ref == float_values_->end()) return;  // not float in the float model
      if (t.dtype() != DType::kFloat32 || t.numel() != ref->second.numel()) {
        mismatches_.push_back(layer.tensor + ": float " + shape_str(ref->second.shape()) + ", quantized " +
                              dtype_name(t.dtype()) + " " + shape_str(t.shape()));
        by_probe_.erase(it);  // reported once
        return;
      }
      stats_[it->second].add(ref->second.data<float>(), t.data<float>(), t.numel());
    };
  }

 private:
  const std::vector<MatchedLayer>& layers_;
  std::vector<ErrorStats>& stats_;
  std::vector<std::string>& mismatches_;
  std::map<std::string, size_t> by_probe_;
  const std::map<std::string, Tensor>* float_values_ = nullptr;
};

}  // namespace

const WeightError* weakest_weight(const LayerError& layer) {
  const WeightError* worst = nullptr;
  for (const WeightError& w : layer.weights)
    if (!worst || w.channel_sqnr_db[w.worst_channel] < worst->channel_sqnr_db[worst->worst_channel]) worst = &w;
  return worst;
}

Comparison compare_models(const Graph& float_model, const Graph& quantized, const std::map<std::string, Tensor>& data,
                          const CompareOptions& options) {
  OCTET_CHECK(!is_quantized(float_model), options.float_name,
              ": holds quantization (QuantizeLinear/DequantizeLinear nodes); compare takes the float model first "
              "and the quantized one second");
  OCTET_CHECK(is_quantized(quantized), options.quantized_name,
              ": holds no quantization (no QuantizeLinear/DequantizeLinear nodes, no octet dynamic marker)");
  const bool dynamic = quantizes_at_run_time(quantized);
  const Graph runnable = dynamic ? lower(quantized) : quantized;
  const std::vector<MatchedLayer> layers = match_layers(float_model, runnable);
  OCTET_CHECK(!layers.empty(), options.quantized_name, ": shares no quantized value with ", options.float_name,
              " (no value name in common): was it made from this float model?");

  Comparison result;
  // Value names alone can match by accident ("logits", "output"): a quantizer keeps the float
  // model's node names too, so few of them in common means another model.
  std::set<std::string> float_node_names;
  for (const Node& n : float_model.nodes) float_node_names.insert(n.name);
  int64_t compute_nodes = 0, named_alike = 0;
  for (const Node& n : runnable.nodes) {
    if (is_quantization_op(n)) continue;
    ++compute_nodes;
    named_alike += float_node_names.count(n.name);
  }
  if (2 * named_alike < compute_nodes)
    result.warnings.push_back("only " + std::to_string(named_alike) + " of the " + std::to_string(compute_nodes) +
                              " nodes of " + options.quantized_name + " have a same-named node in " +
                              options.float_name + ": was it made from this float model?");
  result.quantized_run = dynamic ? "INT8 kernels" : "QDQ as written";
  check_finite(data, options.data_name);  // a NaN would turn every SQNR into NaN
  const DataLayout layout = resolve_data_layout(float_model, data, options.layout, options.data_name);
  int64_t available = sample_count(data, options.data_name);
  if (options.samples >= 0) available = std::min(available, options.samples);
  OCTET_CHECK(available > 0, options.data_name, ": holds no samples to compare on");
  const auto ranges = batch_ranges(float_model, layout, available, options.batch, options.data_name);
  result.samples = ranges.empty() ? 0 : ranges.back().second;

  std::set<std::string> shared;  // values both compute: what the float run keeps for a batch
  for (const Node& n : runnable.nodes) shared.insert(n.outputs.begin(), n.outputs.end());
  std::set<std::string> float_produced;
  for (const Node& n : float_model.nodes) float_produced.insert(n.outputs.begin(), n.outputs.end());
  for (auto it = shared.begin(); it != shared.end();) it = float_produced.count(*it) ? std::next(it) : shared.erase(it);

  const ExecutorOptions exec_options{.threads = options.threads};
  Executor float_exec(float_model, exec_options), quant_exec(runnable, exec_options);
  std::unique_ptr<Executor> isolated_exec;  // built once the first batch shows which values are float
  std::map<std::string, std::string> feeds_of;
  std::map<std::string, Tensor> float_values;
  float_exec.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
    if (t.dtype() == DType::kFloat32 && shared.count(value)) float_values[value] = t;
  });
  std::vector<ErrorStats> accumulated(layers.size()), isolated(layers.size());
  std::vector<std::string> mismatches;
  ErrorHook accumulated_hook(layers, accumulated, mismatches), isolated_hook(layers, isolated, mismatches);
  accumulated_hook.set_reference(&float_values);
  isolated_hook.set_reference(&float_values);
  quant_exec.add_hook(accumulated_hook.hook());

  for (const auto& [b, e] : ranges) {
    std::map<std::string, Tensor> feeds = sample_feeds(data, layout, b, e);
    float_values.clear();
    try {
      float_exec.run(feeds);
    } catch (const Error& err) {
      fail(options.data_name, ": ", err.what());  // a shape or dtype the model does not take: name the file
    }
    quant_exec.run(feeds);
    if (!isolated_exec) {
      std::set<std::string> float_names;
      for (const auto& [name, _] : float_values) float_names.insert(name);
      isolated_exec =
          std::make_unique<Executor>(isolate_layers(runnable, layers, float_names, &feeds_of), exec_options);
      isolated_exec->add_hook(isolated_hook.hook());
    }
    for (const auto& [value, input] : feeds_of) feeds[input] = float_values.at(value);
    isolated_exec->run(feeds);
    if (options.progress) options.progress(e, result.samples);
  }

  // The float weights the quantizer may have started from: the model's own (constants folded),
  // and with BatchNormalization folded in as static quantization does.
  std::vector<Graph> references(2, float_model);
  fold_constants(references[0]);
  fuse_for_static_quantization(references[1]);
  for (size_t i = 0; i < layers.size(); ++i) {
    if (accumulated[i].count() == 0 || isolated[i].count() == 0) continue;  // not float, or shapes differ
    const MatchedLayer& m = layers[i];
    result.layers.push_back({m.name, m.op, m.tensor, m.quantized_nodes, isolated[i].summary(), accumulated[i].summary(),
                             layer_weights(quantized, references, m.name)});
  }
  for (const std::string& m : mismatches)  // both runs report a value they disagree on
    if (std::find(result.mismatches.begin(), result.mismatches.end(), m) == result.mismatches.end())
      result.mismatches.push_back(m);
  // Lowest isolated SQNR first (a NaN, from a NaN output, before everything); ties in graph order.
  std::stable_sort(result.layers.begin(), result.layers.end(), [](const LayerError& a, const LayerError& b) {
    const double x = a.isolated.sqnr_db, y = b.isolated.sqnr_db;
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && !std::isnan(y);
    return x < y;
  });
  return result;
}

}  // namespace octet
