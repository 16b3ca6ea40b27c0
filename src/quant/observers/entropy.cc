// The entropy observer: TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT",
// GTC 2017; the search in kl_threshold.h) fitted to octet's affine codes. Each side of zero gets
// its own threshold, searched on that side's histogram at the observer's resolution (E1), with
// spikes flattened (E2), at the steps the affine range spends on that side (E3), clipping at most
// 0.1 % of the values on each side (E4). docs/static_ptq.md ("The entropy observer") states
// (E1)-(E4) and the measurements behind each.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "quant/observers/histogram.h"
#include "quant/observers/kl_threshold.h"

namespace octet::quant {

namespace {

// (E1) One side of zero as a histogram of magnitudes at the observer's resolution: bin 0 is the
// part of the bin holding 0 that lies on this side (its count split in proportion), bin m ends at
// magnitude first_edge + m * width. Not |x| folded, as TensorRT's: SiLU's short negative side,
// folded, ends in a cliff at 0.278 whose place among the levels then decides the divergence.
struct Side {
  std::vector<double> counts;
  double first_edge = 0, width = 0;
  double threshold(int kept_bins) const { return first_edge + (kept_bins - 1) * width; }
  double extent() const { return counts.empty() ? 0.0 : threshold(static_cast<int>(counts.size())); }
};

Side side_of(const std::vector<double>& hist, double lo, double hi, bool positive) {
  const int bins = static_cast<int>(hist.size());
  const double width = (hi - lo) / bins;
  Side s;
  s.width = width;
  if (positive ? hi <= 0 : lo >= 0) return s;
  if (lo >= 0 || hi <= 0) {  // 0 outside (or at an end of) the range: every bin is on this side
    s.counts.assign(hist.begin(), hist.end());
    if (!positive) std::reverse(s.counts.begin(), s.counts.end());
    s.first_edge = positive ? lo + width : -(hi - width);
    return s;
  }
  const int k0 = std::clamp(static_cast<int>(std::floor(-lo / width)), 0, bins - 1);
  const double x0 = lo + k0 * width, x1 = x0 + width;
  if (positive) {
    s.counts.assign(hist.begin() + k0, hist.end());
    s.counts[0] *= x1 / width;
    s.first_edge = x1;
  } else {
    s.counts.assign(hist.rend() - k0 - 1, hist.rend());
    s.counts[0] *= -x0 / width;
    s.first_edge = -x0;
  }
  return s;
}

// (E2) Spikes: values that many samples take exactly (zeros after a ReLU, padding, a constant
// background through a channel's bias, a saturation bound) fill one bin far above its
// neighbours. Quantization maps a spike to one level whatever the threshold, but the divergence
// charges its smearing over the level's bins, log(bins per level) times its mass, and so favours
// the thresholds with the narrowest levels (the spikes of MNIST's background made it clip a ReLU6
// at 0.59 of 5.2). Such bins are flattened to their neighbourhood: bin 0 always (pytorch-quantization's
// bins[0] = bins[1]), and any bin holding more than an even share of the mass and more than
// kSpike times the median of the two bins on each side, that median counted as at least 1 (a
// bin of a few values among empty ones, in a sparse tail or a histogram of fewer values than
// bins, is no spike).
constexpr double kSpike = 4;

std::vector<double> flatten_spikes(const std::vector<double>& counts) {
  std::vector<double> shape = counts;
  const int n = static_cast<int>(counts.size());
  if (n < 2) return shape;
  double total = 0;
  for (double c : counts) total += c;
  for (int j = 1; j < n; ++j) {
    double around[4];
    int k = 0;
    for (int d : {-2, -1, 1, 2})
      if (j + d >= 0 && j + d < n) around[k++] = counts[j + d];
    std::nth_element(around, around + k / 2, around + k);
    const double median = around[k / 2];  // the upper median: a count, as the histogram's are
    if (counts[j] * n > total && counts[j] > kSpike * std::max(median, 1.0)) shape[j] = median;
  }
  shape[0] = shape[1];
  return shape;
}

// (E4) On continuous distributions the search clips 0.002 % to 0.07 % of the values (the
// fixture's; a median of 0.005 % over three real models' activations, bench/RESULTS.md, "Entropy
// observer"). It clipped more where the histogram was a comb of repeated values (a byte
// classifier's embeddings squared inside a LayerNorm: 1.4 %) whose spikes lie too close together
// to be told from the density, so that the divergence measured how the comb falls on the levels.
// No side's threshold clips more than kMaxClipped of all the values.
constexpr double kMaxClipped = 1e-3;

// The search of one side: its spikes flattened and its first candidate fixed once; a search at
// the same number of levels as the last one is not repeated.
class SideSearch {
 public:
  SideSearch(Side side, double max_clipped) : side_(std::move(side)) {
    if (side_.counts.empty()) return;
    shape_ = flatten_spikes(side_.counts);
    // (E4) The first candidate keeps all but the last bins holding at most max_clipped values (and
    // at least 128 bins, TensorRT's first candidate).
    start_ = static_cast<int>(side_.counts.size());
    double beyond = 0;
    while (start_ > 1 && beyond + side_.counts[start_ - 1] <= max_clipped) beyond += side_.counts[--start_];
    start_ = std::max(128, start_);
  }
  double extent() const { return side_.extent(); }

  // The side's threshold at `levels` steps.
  double threshold(int levels) {
    if (side_.counts.empty()) return 0.0;
    if (levels != levels_) {
      levels_ = levels;
      threshold_ = side_.threshold(kl_threshold_bins(shape_, levels, start_));
    }
    return threshold_;
  }

 private:
  Side side_;
  std::vector<double> shape_;
  int start_ = 0, levels_ = 0;
  double threshold_ = 0;
};

class EntropyObserver : public HistogramObserver {
 public:
  EntropyObserver(QScheme scheme, const ObserverOptions& options) : HistogramObserver("entropy", scheme, options) {}

 protected:
  Range choose_range() const override {
    double total = 0;
    for (double c : histogram()) total += c;
    SideSearch pos(side_of(histogram(), min(), max(), true), kMaxClipped * total);
    SideSearch neg(side_of(histogram(), min(), max(), false), kMaxClipped * total);
    double t_pos = pos.extent(), t_neg = neg.extent();
    // Each side's steps depend on the other side's threshold: two rounds settle them.
    for (int round = 0; round < 2; ++round) {
      t_pos = pos.threshold(levels(t_pos, t_neg));
      t_neg = neg.threshold(levels(t_neg, t_pos));
    }
    return {static_cast<float>(std::max(double(min()), -t_neg)), static_cast<float>(std::min(double(max()), t_pos))};
  }

 private:
  // (E3) The steps that the range [-other, t] spends on [0, t].
  int levels(double t, double other) const {
    if (t <= 0) return 1;
    const int codes = scheme_.qmax() - scheme_.qmin() + 1;
    const double width = scheme_.symmetric ? 2 * std::max(t, other) : t + other;
    return std::max(1, static_cast<int>(std::lround(codes * t / width)));
  }
};

}  // namespace

std::unique_ptr<Observer> make_entropy_observer(QScheme scheme, const ObserverOptions& options) {
  return std::make_unique<EntropyObserver>(scheme, options);
}

}  // namespace octet::quant
