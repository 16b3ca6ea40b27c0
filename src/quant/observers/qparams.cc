// QScheme and qparams_from_range: PyTorch's ObserverBase._calculate_qparams
// (torch/ao/quantization/observer.py), docs/quantization.md eq. (3)-(5) and (O1)-(O2).
#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/observers/observer.h"

namespace octet::quant {

int32_t QScheme::qmin() const {
  if (dtype == DType::kUInt8) return 0;
  return reduce_range ? -64 : -128;
}

int32_t QScheme::qmax() const {
  if (dtype == DType::kUInt8) return reduce_range ? 127 : 255;
  return reduce_range ? 63 : 127;
}

nlohmann::json ObserverStats::to_json() const {
  return {{"finite", finite}, {"nan", nan}, {"pos_inf", pos_inf}, {"neg_inf", neg_inf}};
}

ObserverStats ObserverStats::from_json(const nlohmann::json& j) {
  return {j.at("finite").get<int64_t>(), j.at("nan").get<int64_t>(), j.at("pos_inf").get<int64_t>(),
          j.at("neg_inf").get<int64_t>()};
}

nlohmann::json QScheme::to_json() const {
  return {{"dtype", dtype == DType::kUInt8 ? "u8" : "s8"},
          {"symmetric", symmetric},
          {"reduce_range", reduce_range},
          {"ch_axis", ch_axis}};
}

QScheme QScheme::from_json(const nlohmann::json& j) {
  try {
    QScheme s;
    const std::string d = j.at("dtype").get<std::string>();
    OCTET_CHECK(d == "u8" || d == "s8", "observer scheme: dtype '", d, "' (expected u8 or s8)");
    s.dtype = d == "u8" ? DType::kUInt8 : DType::kInt8;
    s.symmetric = j.at("symmetric").get<bool>();
    s.reduce_range = j.at("reduce_range").get<bool>();
    s.ch_axis = j.at("ch_axis").get<int>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail("observer scheme: malformed ", j.dump(), " (", e.what(), ")");
  }
}

TensorQParams qparams_from_range(std::span<const float> min, std::span<const float> max, const QScheme& scheme) {
  OCTET_CHECK(min.size() == max.size() && !min.empty(), "qparams_from_range: ", min.size(), " minima for ", max.size(),
              " maxima");
  const float eps = std::numeric_limits<float>::epsilon();
  const int32_t qmin = scheme.qmin(), qmax = scheme.qmax();
  TensorQParams qp;
  qp.dtype = scheme.dtype;
  qp.axis = scheme.ch_axis;
  for (size_t c = 0; c < min.size(); ++c) {
    OCTET_CHECK(std::isfinite(min[c]) && std::isfinite(max[c]) && min[c] <= max[c], "qparams_from_range: range [",
                min[c], ", ", max[c], "] of channel ", c, " is not a finite interval");
    // (3): the range contains 0, so real zero (padding, ReLU's floor) is exact.
    float lo = std::min(min[c], 0.0f), hi = std::max(max[c], 0.0f);
    float scale;
    int32_t zp;
    if (scheme.symmetric) {
      // (O1): symmetric around 0: uint8 puts 0 at the middle code (128, or 64 with reduce_range).
      float amax = std::max(-lo, hi);
      scale = amax / (static_cast<float>(qmax - qmin) / 2);
      zp = scheme.dtype == DType::kUInt8 ? (qmin + qmax + 1) / 2 : 0;
    } else {
      // (O2): affine: [lo, hi] onto [qmin, qmax]; z = qmin - rne(lo / s), clamped.
      scale = (hi - lo) / static_cast<float>(qmax - qmin);
      zp = 0;  // set below, once the scale is final
    }
    // A zero-width range (all zeros) gets scale 1, never 0; tiny scales are raised to float eps
    // as PyTorch does, so x / s stays finite.
    if (lo == hi) scale = 1.0f;
    scale = std::max(scale, eps);
    if (!scheme.symmetric) zp = std::clamp(qmin - static_cast<int32_t>(std::nearbyint(lo / scale)), qmin, qmax);
    qp.scale.push_back(scale);
    qp.zero_point.push_back(zp);
  }
  return qp;
}

}  // namespace octet::quant
