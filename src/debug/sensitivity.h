// Per-layer sensitivity (AIMET QuantAnalyzer's per-layer enable/disable): for each layer, the
// model's score with only that layer quantized, and with only that layer left in float, all from
// one calibration.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "debug/layer_quantizer.h"
#include "debug/model_metric.h"

namespace octet {

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

}  // namespace octet
