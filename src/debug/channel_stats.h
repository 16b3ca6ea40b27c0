// Per-channel statistics of the debugging tools: which channel an element of a row-major tensor
// belongs to, and what the channels' max |x| say (dead, outlier, far apart).
#pragma once

#include <optional>
#include <vector>

#include "octet/tensor.h"

namespace octet {

// A tensor viewed as [outer, channels, inner] around an axis.
struct ChannelLayout {
  int64_t channels = 1, inner = 1;
  int64_t channel_of(int64_t i) const { return (i / inner) % channels; }
};
// nullopt axis: one channel. A negative axis counts from the end; octet::Error when out of range.
ChannelLayout channel_layout(const Shape& shape, std::optional<int64_t> axis);

struct ChannelFindings {
  std::vector<int64_t> dead;                     // channels whose max |x| is 0
  std::vector<int64_t> outliers;                 // channels above outlier_ratio x the median nonzero channel
  double median = 0;                             // the median (upper, for an even count) of the nonzero maxima
  double largest = 0, smallest = 0, spread = 0;  // of the nonzero maxima; spread = largest / smallest
};
// Outliers need three nonzero channels at least: with fewer there is no median channel to exceed.
ChannelFindings channel_findings(const std::vector<double>& max_abs, double outlier_ratio);

}  // namespace octet
