#pragma once

#include <memory>
#include <string>
#include <vector>

#include "quant/observers/observer.h"

namespace octet::quant {

// kinds: minmax, moving_average (averaging_constant < 1), per_channel_minmax,
// moving_average_per_channel. Per-channel kinds default to ch_axis 0.
class MinMaxObserver : public Observer {
 public:
  MinMaxObserver(std::string kind, QScheme scheme, float averaging_constant);
  std::string kind() const override { return kind_; }
  void observe(const Tensor& x) override;
  TensorQParams calculate_qparams() const override;
  void merge(const Observer& other) override;
  nlohmann::json to_json() const override;
  static std::unique_ptr<MinMaxObserver> from_json(const nlohmann::json& j);

 private:
  std::string kind_;
  float averaging_;  // 1: plain min/max
  std::vector<float> min_, max_;
  std::vector<bool> seen_;  // per channel: a finite value was observed
};

}  // namespace octet::quant
