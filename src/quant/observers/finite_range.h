// The scan every observer starts with: count NaN and +-Inf (they never enter a range) and find the
// finite min/max.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "octet/tensor.h"
#include "quant/observers/observer.h"

namespace octet::quant {

struct FiniteRange {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  bool empty() const { return min > max; }
};

inline FiniteRange scan_finite(const float* x, int64_t n, ObserverStats& stats) {
  FiniteRange r;
  int64_t finite = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (std::isfinite(v)) {
      r.min = v < r.min ? v : r.min;
      r.max = v > r.max ? v : r.max;
      ++finite;
    } else if (std::isnan(v)) {
      ++stats.nan;
    } else if (v > 0) {
      ++stats.pos_inf;
    } else {
      ++stats.neg_inf;
    }
  }
  stats.finite += finite;
  return r;
}

inline const float* float_data(const Tensor& x, const std::string& kind) {
  OCTET_CHECK(x.dtype() == DType::kFloat32, "observer '", kind, "' observes float32 values, got ",
              dtype_name(x.dtype()));
  return x.data<float>();
}

}  // namespace octet::quant
