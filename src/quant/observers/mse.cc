// MSE calibration: the clipping of [min, max] (shrunk toward 0 in 1 % steps, 0 always inside)
// whose quantize-dequantize squared error over the histogram is smallest. The error of each
// candidate is PyTorch's histogram L2 measure (histogram.h), so this is a grid search where the
// histogram kind walks quantiles.
#include <limits>

#include "quant/observers/histogram.h"

namespace octet::quant {

namespace {

class MseObserver : public HistogramObserver {
 public:
  MseObserver(QScheme scheme, const ObserverOptions& options) : HistogramObserver("mse", scheme, options) {}

 protected:
  Range choose_range() const override {
    const auto& h = histogram();
    const int bins = static_cast<int>(h.size());
    const double width = (double(max()) - min()) / bins;
    Range best{min(), max()};
    double best_err = std::numeric_limits<double>::infinity();
    for (int pct = 100; pct >= 1; --pct) {
      const double lo = std::min(0.0, double(min())) * pct / 100, hi = std::max(0.0, double(max())) * pct / 100;
      // The candidate range in bins of the histogram; the L2 measure charges clipped mass too.
      const int start = std::clamp(static_cast<int>(std::floor((lo - min()) / width)), 0, bins - 1);
      const int end = std::clamp(static_cast<int>(std::ceil((hi - min()) / width)) - 1, start, bins - 1);
      const double err = histogram_l2_error(h, min(), max(), start, end, 256);
      if (err < best_err) {
        best_err = err;
        best = {static_cast<float>(min() + width * start), static_cast<float>(min() + width * (end + 1))};
      }
    }
    return best;
  }
};

}  // namespace

std::unique_ptr<Observer> make_mse_observer(QScheme scheme, const ObserverOptions& options) {
  return std::make_unique<MseObserver>(scheme, options);
}

}  // namespace octet::quant
