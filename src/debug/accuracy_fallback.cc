#include "octet/accuracy.h"

#include <algorithm>
#include <limits>
#include <set>

namespace octet {

namespace {

// The quantized layer a comparison row blames: the layer its float-model node belongs to, else
// the first layer among the quantized nodes computing it (a fused unit's ReLU names its Conv).
std::string blamed_layer(const LayerError& row, const LayerQuantizer& quantizer) {
  std::string layer = quantizer.layer_of(row.name);
  for (size_t i = 0; layer.empty() && i < row.quantized_nodes.size(); ++i)
    layer = quantizer.layer_of(row.quantized_nodes[i]);
  return layer;
}

}  // namespace

FallbackResult quantize_with_max_drop(const Graph& float_model, LayerQuantizer& quantizer, const ModelMetric& metric,
                                      double max_drop, const std::map<std::string, Tensor>& rank_data,
                                      const CompareOptions& compare_options,
                                      const std::function<void(double)>& on_start,
                                      const std::function<void(const FallbackStep&)>& on_step) {
  FallbackResult result;
  result.float_score = metric.float_score();
  std::vector<std::string> kept_float, weight_only;
  result.model = quantizer.quantize(kept_float, &result.report);
  result.quantized_score = metric.score(result.model);
  if (on_start) on_start(result.quantized_score);
  double score = result.quantized_score;
  const std::vector<std::string> layers = quantizer.layers();
  while (metric.drop(score) > max_drop && kept_float.size() < layers.size()) {
    const std::set<std::string> floated(kept_float.begin(), kept_float.end());
    FallbackStep step;
    for (const LayerError& row : compare_models(float_model, result.model, rank_data, compare_options).layers) {
      const std::string layer = blamed_layer(row, quantizer);
      if (layer.empty() || floated.count(layer)) continue;
      step.layer = layer;
      step.sqnr_db = row.isolated.sqnr_db;
      break;
    }
    if (step.layer.empty())  // no row blames a quantized layer: the first still quantized goes
      for (const std::string& layer : layers)
        if (!floated.count(layer)) {
          step.layer = layer;
          step.sqnr_db = std::numeric_limits<double>::quiet_NaN();
          break;
        }
    for (const Node& n : float_model.nodes)
      if (n.name == step.layer) step.op = n.op_type;
    auto wo = std::find(weight_only.begin(), weight_only.end(), step.layer);
    step.weight_only = quantizer.can_be_weight_only(step.layer) && wo == weight_only.end();
    if (step.weight_only) {
      weight_only.push_back(step.layer);
    } else {
      if (wo != weight_only.end()) weight_only.erase(wo);
      kept_float.push_back(step.layer);
    }
    result.model = quantizer.quantize(kept_float, &result.report, weight_only);
    score = step.score = metric.score(result.model);
    result.steps.push_back(step);
    if (on_step) on_step(step);
  }
  result.within = metric.drop(score) <= max_drop;
  return result;
}

}  // namespace octet
