// make_observer / load_observer: the one place that maps observer kinds to classes.
#include "quant/observers/finite_range.h"
#include "quant/observers/fixed.h"
#include "quant/observers/histogram.h"
#include "quant/observers/minmax.h"

namespace octet::quant {

std::vector<std::string> observer_kinds() {
  return {"minmax",
          "moving_average",
          "per_channel_minmax",
          "moving_average_per_channel",
          "histogram",
          "percentile",
          "entropy",
          "mse",
          "fixed"};
}

std::unique_ptr<Observer> make_observer(const std::string& kind, const QScheme& scheme,
                                        const ObserverOptions& options) {
  if (kind == "minmax" || kind == "per_channel_minmax") return std::make_unique<MinMaxObserver>(kind, scheme, 1.0f);
  if (kind == "moving_average" || kind == "moving_average_per_channel")
    return std::make_unique<MinMaxObserver>(kind, scheme, options.averaging_constant);
  if (kind == "histogram") return std::make_unique<HistogramObserver>(kind, scheme, options);
  if (kind == "percentile") return make_percentile_observer(scheme, options);
  if (kind == "entropy") return make_entropy_observer(scheme, options);
  if (kind == "mse") return make_mse_observer(scheme, options);
  if (kind == "fixed") fail("observer 'fixed' needs a range: use fixed_qparams(op_type, ...)");
  std::string known;
  for (const auto& k : observer_kinds()) known += (known.empty() ? "" : ", ") + k;
  fail("unknown observer '", kind, "' (known: ", known, ")");
}

std::unique_ptr<Observer> load_observer(const nlohmann::json& j) {
  try {
    const std::string kind = j.at("kind").get<std::string>();
    if (kind.find("minmax") != std::string::npos || kind.find("moving_average") != std::string::npos)
      return MinMaxObserver::from_json(j);
    if (is_histogram_range_rule(kind)) return HistogramObserver::from_json(j);
    if (kind == "fixed") {
      auto o = std::make_unique<FixedObserver>(QScheme::from_json(j.at("scheme")), j.at("min").get<float>(),
                                               j.at("max").get<float>());
      return o;
    }
    fail("saved observer of unknown kind '", kind, "'");
  } catch (const nlohmann::json::exception& e) {
    fail("saved observer is malformed: ", e.what());
  }
}

}  // namespace octet::quant
