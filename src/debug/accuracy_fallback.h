// Accuracy-aware fallback (NNCF's quantization with accuracy control, Intel Neural Compressor's
// tuning): keep the most harmful layers in float, one at a time, until the score's drop from the
// float model is within a bound. Greedy and deterministic: each step ranks the quantized layers
// by isolated SQNR (debug/compare, re-measured after every step) and keeps the worst in float; a
// quantizer with weight-only layers (dynamic) first makes it weight-only, and only if it is picked
// again keeps it in float.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "debug/layer_quantizer.h"
#include "debug/model_metric.h"
#include "octet/debug.h"

namespace octet {

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
