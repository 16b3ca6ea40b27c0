// Histograms of the float values a graph computes, filled batch by batch by an Executor hook. Each
// value's range is fixed before the runs (octet report takes it from a first pass: QParamsCheck's
// observed range joined with the quantization range), so memory is the bins, never the values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "octet/runtime.h"

namespace octet {

// Equal-width bins over [low, high]; a value on `high` falls in the last bin.
struct Histogram {
  double low = 0, high = 1;
  std::vector<int64_t> counts;
  int64_t below = 0, above = 0;  // outside [low, high] (infinities included)
  int64_t nan = 0;

  // An empty, reversed or non-finite range becomes a unit-wide one around `low` (or [0, 1]).
  Histogram(double low, double high, int bins);
  void add(double v);
  double bin_width() const { return (high - low) / static_cast<double>(counts.size()); }
  int64_t in_range() const;  // the values counted in the bins
};

class ValueHistograms {
 public:
  // One histogram of `bins` bins per value named in `ranges` (value -> [low, high]).
  ValueHistograms(const std::map<std::string, std::pair<double, double>>& ranges, int bins);
  ValueHistograms(const ValueHistograms&) = delete;
  ValueHistograms& operator=(const ValueHistograms&) = delete;

  // Adds every element of each named float value as the executor produces it; the object must
  // outlive the executor's runs.
  void attach(Executor& exec);
  const std::map<std::string, Histogram>& histograms() const { return histograms_; }

 private:
  std::map<std::string, Histogram> histograms_;
};

}  // namespace octet
