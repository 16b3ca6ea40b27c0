// Running sums for the error between a reference value and a test value, over many batches.
#pragma once

#include <cstdint>

#include "octet/debug.h"

namespace octet {

class ErrorStats {
 public:
  // Adds n element pairs; accumulated in double so that millions of terms keep their precision.
  void add(const float* ref, const float* test, int64_t n);
  ErrorSummary summary() const;
  int64_t count() const { return count_; }

 private:
  double ref_sq_ = 0, test_sq_ = 0, dot_ = 0, err_sq_ = 0, max_abs_ = 0;
  int64_t count_ = 0;
};

// 10 log10(signal / noise): +inf for zero noise (identical values), -inf for a zero signal with
// nonzero noise.
double sqnr_db(double signal_sq, double noise_sq);

}  // namespace octet
