// How good a quantized model is, and which layers to keep in float to make it better (docs/debugging.md):
// a score on evaluation data, per-layer sensitivity and the accuracy-aware fallback (`octet eval`,
// `octet sensitivity`, `octet quantize --max-drop`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/data_layout.h"
#include "octet/debug.h"
#include "octet/graph.h"
#include "octet/quantize.h"
#include "octet/tensor.h"

namespace octet {

// ---- model metric (src/debug/model_metric.cc) ----

// How good a model's answers are on evaluation data: top-1 accuracy against labels, or, without
// labels, the mean cosine between its first output and the float model's, sample by sample. The
// score sensitivity analysis ranks layers by and the accuracy-aware fallback bounds the drop of.

struct EvalData {
  std::map<std::string, Tensor> data;  // graph input name -> samples along axis 0
  std::vector<int64_t> labels;         // one class per sample; empty: score by cosine
  DataLayout layout = DataLayout::kAuto;
  int64_t batch = 100;  // samples per run (stacked data: 1)
  int threads = 1;
  std::string data_name = "the evaluation data", labels_name = "the labels";  // for error messages
};

// The index of the largest value of each row of a [N, ...] output (the first of equal maxima);
// *classes receives the row length. octet::Error naming `name` for a rank below 2 or no rows.
std::vector<int64_t> argmax_rows(const Tensor& logits, const std::string& name, int64_t* classes);

struct Top1 {
  int64_t correct = 0, samples = 0;  // samples run: all, but a fixed batch drops a last partial one
  double percent() const { return samples ? 100.0 * correct / samples : 0.0; }
};

// The samples `runnable` (run as given: lower a quantized model first) classifies as its label,
// by the argmax of its first output. octet::Error naming eval.labels_name for a label outside the
// model's classes or a count that does not match the samples. `progress` gets the samples done.
Top1 count_top1(const Graph& runnable, const EvalData& eval, const std::function<void(int64_t)>& progress = nullptr);

class ModelMetric {
 public:
  // Runs the float model once: its top-1, or its outputs for the cosines to come.
  ModelMetric(const Graph& float_model, EvalData eval);
  bool by_labels() const { return !eval_.labels.empty(); }
  double float_score() const { return float_score_; }
  // Top-1 in percent, or the mean cosine; a quantized model runs lowered onto the INT8 kernels.
  double score(const Graph& model) const;
  // "top-1 97.30 %" or "cosine 0.99812".
  std::string describe(double score) const;
  // The drop from the float model, in the score's unit (top-1 points, or cosine).
  double drop(double score) const { return float_score_ - score; }

 private:
  EvalData eval_;
  int64_t samples_ = 0;  // cosine: the samples the float outputs cover
  DataLayout layout_;
  double float_score_ = 0;
  std::vector<Tensor> float_outputs_;  // per batch, the first output (cosine only)
};

// ---- layer quantizer (src/debug/layer_quantizer.cc) ----

// A quantizer that can keep chosen layers in float: what sensitivity analysis and the
// accuracy-aware fallback vary. Static quantization calibrates once (passes/static_quantizer.h),
// and with observer "auto" chooses the range rule once, on the full plan; dynamic quantization has
// nothing to calibrate.

class LayerQuantizer {
 public:
  virtual ~LayerQuantizer() = default;
  // The layers that can be kept float, in graph order: node names of the float model (a fused
  // unit by its head, the Conv of Conv+BN+ReLU).
  virtual std::vector<std::string> layers() const = 0;
  // The layer `node` (a float-model node name) belongs to; "" when it belongs to none.
  virtual std::string layer_of(const std::string& node) const = 0;
  // The quantized model with `float_layers` kept in float and `weight_only` layers with int8
  // weights and float activations (only where can_be_weight_only()). Deterministic.
  virtual Graph quantize(const std::vector<std::string>& float_layers, QuantizeReport* report = nullptr,
                         const std::vector<std::string>& weight_only = {}) = 0;
  // Whether `layer` can keep its weights int8 and run in float: dynamic quantization's MatMul,
  // Gemm, LSTM and GRU (the middle step between quantized and float that recurrent layers often
  // need); not an embedding table, already weight-only by nature.
  virtual bool can_be_weight_only(const std::string& layer) const = 0;
};

// Both copy what they are given (the quantizer outlives the caller's tensors).
std::unique_ptr<LayerQuantizer> static_layer_quantizer(const Graph& model, std::map<std::string, Tensor> calib,
                                                       const StaticQuantOptions& options);
std::unique_ptr<LayerQuantizer> dynamic_layer_quantizer(const Graph& model, const DynamicQuantOptions& options);

// ---- sensitivity (src/debug/sensitivity.cc) ----

// Per-layer sensitivity (AIMET QuantAnalyzer's per-layer enable/disable): for each layer, the
// model's score with only that layer quantized, and with only that layer left in float, all from
// one calibration.

struct LayerSensitivity {
  std::string name;  // the layer (a float-model node)
  std::string op;
  double only_quantized = 0;  // every other layer in float
  double only_float = 0;      // every other layer quantized
};

struct Sensitivity {
  double float_score = 0, quantized_score = 0;  // no layer quantized; every layer quantized
  // Most harmful first: lowest only_quantized, then highest only_float (keeping it in float helps
  // most); ties in graph order.
  std::vector<LayerSensitivity> layers;
};

// 2 conversions and evaluations per layer, plus one for the whole model. `progress` gets
// (evaluations done, total).
Sensitivity layer_sensitivity(const Graph& float_model, LayerQuantizer& quantizer, const ModelMetric& metric,
                              const std::function<void(int64_t, int64_t)>& progress = nullptr);

// ---- accuracy fallback (src/debug/accuracy_fallback.cc) ----

// Accuracy-aware fallback (NNCF's quantization with accuracy control, Intel Neural Compressor's
// tuning): keep the most harmful layers in float, one at a time, until the score's drop from the
// float model is within a bound. Greedy and deterministic: each step ranks the quantized layers
// by isolated SQNR (debug/compare, re-measured after every step) and keeps the worst in float; a
// quantizer with weight-only layers (dynamic) first makes it weight-only, and only if it is picked
// again keeps it in float.

struct FallbackStep {
  std::string layer;  // kept in float (or made weight-only) at this step
  std::string op;
  bool weight_only = false;  // int8 weights, float activations; else float
  double sqnr_db = 0;        // its isolated SQNR when chosen
  double score = 0;          // the model's score with it (and the earlier ones) in float
};

struct FallbackResult {
  Graph model;                                  // the last model scored: within the bound, or every layer in float
  QuantizeReport report;                        // its quantization report
  double float_score = 0, quantized_score = 0;  // the float model; every layer quantized
  std::vector<FallbackStep> steps;
  bool within = false;  // the drop of `model` is within the bound
};

// `max_drop` in the metric's unit (top-1 points, or cosine). `rank_data` (graph input -> samples)
// feeds compare_models with `compare_options`. `on_start` sees the all-quantized score, `on_step`
// each step, as they come.
FallbackResult quantize_with_max_drop(const Graph& float_model, LayerQuantizer& quantizer, const ModelMetric& metric,
                                      double max_drop, const std::map<std::string, Tensor>& rank_data,
                                      const CompareOptions& compare_options,
                                      const std::function<void(double)>& on_start = nullptr,
                                      const std::function<void(const FallbackStep&)>& on_step = nullptr);

}  // namespace octet
