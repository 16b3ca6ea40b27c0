#include "octet/accuracy.h"

#include <algorithm>

namespace octet {

Sensitivity layer_sensitivity(const Graph& float_model, LayerQuantizer& quantizer, const ModelMetric& metric,
                              const std::function<void(int64_t, int64_t)>& progress) {
  const std::vector<std::string> layers = quantizer.layers();
  const int64_t total = 1 + 2 * static_cast<int64_t>(layers.size());
  int64_t done = 0;
  auto score = [&](const std::vector<std::string>& float_layers) {
    const double s = metric.score(quantizer.quantize(float_layers));
    if (progress) progress(++done, total);
    return s;
  };
  Sensitivity result;
  result.float_score = metric.float_score();
  result.quantized_score = score({});
  for (const std::string& layer : layers) {
    LayerSensitivity s{layer, "", 0, 0};
    for (const Node& n : float_model.nodes)
      if (n.name == layer) s.op = n.op_type;
    std::vector<std::string> others;
    for (const std::string& other : layers)
      if (other != layer) others.push_back(other);
    s.only_quantized = score(others);
    s.only_float = score({layer});
    result.layers.push_back(s);
  }
  std::stable_sort(result.layers.begin(), result.layers.end(),
                   [](const LayerSensitivity& a, const LayerSensitivity& b) {
                     if (a.only_quantized != b.only_quantized) return a.only_quantized < b.only_quantized;
                     return a.only_float > b.only_float;
                   });
  return result;
}

}  // namespace octet
