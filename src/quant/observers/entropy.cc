// Entropy calibration (TensorRT's, as in ncnn's ncnn2table and Migacz, "8-bit Inference with
// TensorRT", GTC 2017): on the histogram of |x|, pick the threshold T whose clipped distribution P
// (outliers added to the last kept bin) loses the least information, KL(P || Q), when quantized
// to the target number of levels Q. The range is then [max(min, -T), min(max, T)].
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
    const auto& h = histogram();
    const int bins = static_cast<int>(h.size());
    const double amax = std::max(std::fabs(double(min())), std::fabs(double(max())));
    if (amax == 0) return {min(), max()};
    // Fold the signed histogram onto |x| by bin centers.
    std::vector<double> mag(bins, 0.0);
    const double width = (double(max()) - min()) / bins;
    for (int b = 0; b < bins; ++b) {
      const double c = std::fabs(min() + (b + 0.5) * width);
      mag[std::min(bins - 1, static_cast<int>(c / amax * bins))] += h[b];
    }
    // Levels on one side of zero: all 256 codes when the values are non-negative, else half.
    const int levels = min() >= 0 ? 256 : 128;
    int best = bins;
    double best_kl = std::numeric_limits<double>::infinity();
    for (int i = std::min(levels, bins); i <= bins; ++i) {
      double kl = divergence(mag, i, levels);
      if (kl < best_kl) {
        best_kl = kl;
        best = i;
      }
    }
    const double t = amax * best / bins;
    return {static_cast<float>(std::max(double(min()), -t)), static_cast<float>(std::min(double(max()), t))};
  }

 private:
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
