#pragma once

#include <string>

#include "quant/observers/observer.h"

namespace octet::quant {

// The known output range of op_type, if it has one.
bool fixed_range(const std::string& op_type, float* lo, float* hi);

class FixedObserver : public Observer {
 public:
  FixedObserver(QScheme scheme, float lo, float hi);
  std::string kind() const override { return "fixed"; }
  void observe(const Tensor& x) override;  // counts only: the range is fixed
  TensorQParams calculate_qparams() const override;
  void merge(const Observer& other) override;
  nlohmann::json to_json() const override;

 private:
  float lo_, hi_;
};

}  // namespace octet::quant
