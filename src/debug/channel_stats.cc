#include "debug/channel_stats.h"

#include <algorithm>

namespace octet {

ChannelLayout channel_layout(const Shape& shape, std::optional<int64_t> axis) {
  ChannelLayout l;
  if (!axis) return l;
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t a = *axis;
  OCTET_CHECK(a >= -rank && a < rank, "axis ", a, " out of range for shape ", shape_str(shape));
  if (a < 0) a += rank;
  l.channels = shape[a];
  for (int64_t d = a + 1; d < rank; ++d) l.inner *= shape[d];
  return l;
}

ChannelFindings channel_findings(const std::vector<double>& max_abs, double outlier_ratio) {
  ChannelFindings f;
  std::vector<double> nonzero;
  for (size_t c = 0; c < max_abs.size(); ++c) {
    if (max_abs[c] == 0) f.dead.push_back(static_cast<int64_t>(c));
    else nonzero.push_back(max_abs[c]);
  }
  if (nonzero.empty()) return f;
  const auto [lo, hi] = std::minmax_element(nonzero.begin(), nonzero.end());
  f.smallest = *lo;
  f.largest = *hi;
  f.spread = f.largest / f.smallest;
  if (nonzero.size() < 3) return f;
  std::nth_element(nonzero.begin(), nonzero.begin() + nonzero.size() / 2, nonzero.end());
  f.median = nonzero[nonzero.size() / 2];
  for (size_t c = 0; c < max_abs.size(); ++c)
    if (max_abs[c] > outlier_ratio * f.median) f.outliers.push_back(static_cast<int64_t>(c));
  return f;
}

}  // namespace octet
