// Entropy calibration (TensorRT's, as in ncnn's ncnn2table and Migacz, "8-bit Inference with
// TensorRT", GTC 2017): on a histogram of magnitudes, pick the threshold T whose clipped
// distribution P (outliers added to the last kept bin) loses the least information, KL(P || Q),
// when quantized to the target number of levels Q. TensorRT's scheme is symmetric int8; for
// octet's affine uint8 each side of zero is searched on its own, with the share of the 256 codes
// its extent gets, so asymmetric data (a normalized image: a dense background below zero, sparse
// strokes far above) is not clipped to the smaller side. The range is [-T_neg, T_pos].
#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/observers/histogram.h"

namespace octet::quant {

namespace {

class EntropyObserver : public HistogramObserver {
 public:
  EntropyObserver(QScheme scheme, const ObserverOptions& options) : HistogramObserver("entropy", scheme, options) {}

 protected:
  Range choose_range() const override {
    const double lo = std::min(0.0, double(min())), hi = std::max(0.0, double(max()));
    const double neg = lo < 0 ? threshold(false, std::max(16, static_cast<int>(255 * -lo / (hi - lo)))) : 0.0;
    const double pos = hi > 0 ? threshold(true, std::max(16, static_cast<int>(255 * hi / (hi - lo)))) : 0.0;
    return {static_cast<float>(-neg), static_cast<float>(pos)};
  }

 private:
  // The KL threshold of one side of zero: the histogram's mass on that side, as magnitudes over
  // [0, extent] in as many bins, searched for `levels` quantization levels.
  double threshold(bool positive, int levels) const {
    const auto& h = histogram();
    const int bins = static_cast<int>(h.size());
    const double width = (double(max()) - min()) / bins;
    const double extent = positive ? max() : -double(min());
    std::vector<double> mag(bins, 0.0);
    for (int b = 0; b < bins; ++b) {
      const double c = min() + (b + 0.5) * width;
      if (positive ? c <= 0 : c >= 0) continue;
      mag[std::min(bins - 1, static_cast<int>(std::fabs(c) / extent * bins))] += h[b];
    }
    // The exact zeros after a ReLU form a spike in the first bin that no threshold changes but
    // that dominates KL (it favours thresholds whose level groups keep it unsmeared, i.e. heavy
    // clipping). NVIDIA's pytorch-quantization (calib/histogram.py, _compute_amax_entropy)
    // flattens it the same way: bins[0] = bins[1].
    mag[0] = mag[1];
    int best = bins;
    double best_kl = std::numeric_limits<double>::infinity();
    for (int i = std::min(levels, bins); i <= bins; ++i) {
      const double kl = divergence(mag, i, levels);
      if (kl < best_kl) {
        best_kl = kl;
        best = i;
      }
    }
    return extent * best / bins;
  }

  // KL(P || Q) for the first i bins of `mag`: P with the outliers folded into bin i - 1; Q the same
  // bins without them, merged into `levels` groups and spread back uniformly over each group's
  // non-empty bins.
  static double divergence(const std::vector<double>& mag, int i, int levels) {
    std::vector<double> p(mag.begin(), mag.begin() + i);
    for (size_t b = i; b < mag.size(); ++b) p[i - 1] += mag[b];
    double p_total = 0;
    for (double v : p) p_total += v;
    if (p_total == 0) return std::numeric_limits<double>::infinity();
    std::vector<double> q(i, 0.0);
    const double per = double(i) / levels;
    for (int g = 0; g < levels; ++g) {
      const int b0 = static_cast<int>(std::floor(g * per)), b1 = std::min(i, static_cast<int>(std::floor((g + 1) * per)));
      double sum = 0;
      int nonzero = 0;
      for (int b = b0; b < b1; ++b) {
        sum += mag[b];  // Q is built from the bins without the folded outliers (Migacz)
        nonzero += p[b] != 0;
      }
      for (int b = b0; b < b1; ++b)
        if (p[b] != 0) q[b] = sum / nonzero;
    }
    double q_total = 0;
    for (double v : q) q_total += v;
    double kl = 0;
    for (int b = 0; b < i; ++b) {
      if (p[b] == 0) continue;
      if (q[b] == 0) return std::numeric_limits<double>::infinity();
      const double pp = p[b] / p_total, qq = q[b] / q_total;
      kl += pp * std::log(pp / qq);
    }
    return kl;
  }
};

}  // namespace

std::unique_ptr<Observer> make_entropy_observer(QScheme scheme, const ObserverOptions& options) {
  return std::make_unique<EntropyObserver>(scheme, options);
}

}  // namespace octet::quant
