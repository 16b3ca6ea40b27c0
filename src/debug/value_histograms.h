// Histograms of the float values a graph computes, filled batch by batch by an Executor hook. Each
// value's range is fixed before the runs (octet report takes it from a first pass: QParamsCheck's
// observed range joined with the quantization range), so memory is the bins, never the values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "octet/report.h"
#include "octet/runtime.h"

namespace octet {

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
