#include "debug/error_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace octet {

void ErrorStats::add(const float* ref, const float* test, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double r = ref[i], t = test[i], e = r - t;
    ref_sq_ += r * r;
    test_sq_ += t * t;
    dot_ += r * t;
    err_sq_ += e * e;
    // A NaN error must show, not vanish in std::max.
    max_abs_ = std::isnan(e) ? e : std::max(max_abs_, std::abs(e));
  }
  count_ += n;
}

ErrorSummary ErrorStats::summary() const {
  ErrorSummary s;
  s.sqnr_db = sqnr_db(ref_sq_, err_sq_);
  // Two all-zero values point the same way; one zero and one not are orthogonal.
  if (ref_sq_ == 0 || test_sq_ == 0) s.cosine = ref_sq_ == test_sq_ ? 1.0 : 0.0;
  else s.cosine = dot_ / std::sqrt(ref_sq_ * test_sq_);
  s.max_abs_err = max_abs_;
  return s;
}

double sqnr_db(double signal_sq, double noise_sq) {
  if (noise_sq == 0) return std::numeric_limits<double>::infinity();  // identical, zeros included
  return 10.0 * std::log10(signal_sq / noise_sq);
}

}  // namespace octet
