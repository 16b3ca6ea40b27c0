// Percentile calibration: clip the range at the p-th percentile of the observed values above and
// the (100 - p)-th below, read from the histogram (linear inside a bin).
#include "quant/observers/histogram.h"

namespace octet::quant {

namespace {

class PercentileObserver : public HistogramObserver {
 public:
  PercentileObserver(QScheme scheme, const ObserverOptions& options)
      : HistogramObserver("percentile", scheme, options) {
    OCTET_CHECK(options.percentile > 50 && options.percentile <= 100, "observer 'percentile': percentile ",
                options.percentile, " is not in (50, 100]");
  }

 protected:
  Range choose_range() const override {
    const auto& h = histogram();
    double total = 0;
    for (double c : h) total += c;
    const double q = options_.percentile / 100;
    return {value_at(h, (1 - q) * total), value_at(h, q * total)};
  }

 private:
  // The value below which `mass` of the histogram lies.
  float value_at(const std::vector<double>& h, double mass) const {
    const double width = (double(max()) - min()) / h.size();
    double below = 0;
    for (size_t b = 0; b < h.size(); ++b) {
      if (below + h[b] >= mass && h[b] > 0) return static_cast<float>(min() + width * (b + (mass - below) / h[b]));
      below += h[b];
    }
    return max();
  }
};

}  // namespace

std::unique_ptr<Observer> make_percentile_observer(QScheme scheme, const ObserverOptions& options) {
  return std::make_unique<PercentileObserver>(scheme, options);
}

}  // namespace octet::quant
