// Fixed qparams for ops whose output range is known whatever the data (PyTorch's
// FixedQParamsObserver / default_fixed_qparams_range_0to1_observer and _neg1to1_): Sigmoid and
// Softmax map into [0, 1], Tanh into [-1, 1]. The "fixed" observer kind holds such a range.
#include "quant/observers/fixed.h"

namespace octet::quant {

bool fixed_range(const std::string& op_type, float* lo, float* hi) {
  if (op_type == "Sigmoid" || op_type == "Softmax" || op_type == "HardSigmoid") {
    *lo = 0;
    *hi = 1;
    return true;
  }
  if (op_type == "Tanh") {
    *lo = -1;
    *hi = 1;
    return true;
  }
  return false;
}

// PyTorch's constants: [0, 1] -> scale 1/256 with the type's minimum at 0 (quint8 zp 0, qint8
// zp -128); [-1, 1] -> scale 2/256 around the middle code (zp 128 or 0). 1/256 rather than 1/255:
// 1.0 itself saturates to the top code, and every step is a power of two.
bool fixed_qparams(const std::string& op_type, const QScheme& scheme, TensorQParams* out) {
  float lo, hi;
  if (!fixed_range(op_type, &lo, &hi)) return false;
  const bool u8 = scheme.dtype == DType::kUInt8;
  out->dtype = scheme.dtype;
  out->axis = -1;
  out->scale = {(hi - lo) / 256.0f};
  out->zero_point = {lo == 0 ? (u8 ? 0 : -128) : (u8 ? 128 : 0)};
  return true;
}

FixedObserver::FixedObserver(QScheme scheme, float lo, float hi) : Observer(scheme), lo_(lo), hi_(hi) {
  OCTET_CHECK(lo <= 0 && hi >= 0 && lo < hi, "observer 'fixed': range [", lo, ", ", hi, "] must contain 0");
}

void FixedObserver::observe(const Tensor& x) {
  OCTET_CHECK(x.dtype() == DType::kFloat32, "observer 'fixed' observes float32 values");
  stats_.finite += x.numel();
}

TensorQParams FixedObserver::calculate_qparams() const {
  float a[1] = {lo_}, b[1] = {hi_};
  return qparams_from_range(a, b, scheme_);
}

void FixedObserver::merge(const Observer& other) {
  const auto* o = dynamic_cast<const FixedObserver*>(&other);
  OCTET_CHECK(o && o->lo_ == lo_ && o->hi_ == hi_, "cannot merge observer '", other.kind(), "' into a fixed range");
  stats_.finite += o->stats_.finite;
}

nlohmann::json FixedObserver::to_json() const {
  return {{"kind", "fixed"},
          {"scheme", scheme_.to_json()},
          {"min", double(lo_)},
          {"max", double(hi_)},
          {"stats", {{"finite", stats_.finite}, {"nan", 0}, {"pos_inf", 0}, {"neg_inf", 0}}}};
}

}  // namespace octet::quant
