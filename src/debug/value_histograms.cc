#include "debug/value_histograms.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace octet {

Histogram::Histogram(double lo, double hi, int bins) : low(lo), high(hi), counts(std::max(bins, 1), 0) {
  if (!std::isfinite(low)) low = 0;
  if (!std::isfinite(high) || !(high > low)) high = low + 1;
}

void Histogram::add(double v) {
  if (std::isnan(v)) ++nan;
  else if (v < low) ++below;
  else if (v > high) ++above;
  else {
    // (v - low) * bins / (high - low) rather than / bin_width(): exact where the edges are
    // representable, e.g. 0.5 over [0, 1] in 4 bins is bin 2, not 1.999....
    const auto bins = static_cast<int64_t>(counts.size());
    const auto i = static_cast<int64_t>(std::floor((v - low) * static_cast<double>(bins) / (high - low)));
    ++counts[std::min(i, bins - 1)];
  }
}

int64_t Histogram::in_range() const { return std::accumulate(counts.begin(), counts.end(), int64_t{0}); }

ValueHistograms::ValueHistograms(const std::map<std::string, std::pair<double, double>>& ranges, int bins) {
  for (const auto& [name, range] : ranges) histograms_.emplace(name, Histogram(range.first, range.second, bins));
}

void ValueHistograms::attach(Executor& exec) {
  exec.add_hook([this](const Node*, const std::string& value, const Tensor& t) {
    auto it = histograms_.find(value);
    if (it == histograms_.end()) return;
    Histogram& h = it->second;
    if (t.dtype() == DType::kFloat32) {
      const float* x = t.data<float>();
      for (int64_t i = 0; i < t.numel(); ++i) h.add(x[i]);
    } else if (t.dtype() == DType::kFloat16 || t.dtype() == DType::kFloat64) {
      for (int64_t i = 0; i < t.numel(); ++i) h.add(t.as_double(i));
    }
  });
}

}  // namespace octet
