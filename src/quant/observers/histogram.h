// HistogramObserver (PyTorch's): a histogram of the observed values over [min, max], re-binned when
// a batch widens the range; calculate_qparams clips the range to minimize an error measure. The
// kinds differ only in that choice of range:
//   histogram   PyTorch's L2 search (_non_linear_param_search), histogram.cc
//   percentile  the p-th and (100-p)-th percentiles, percentile.cc
//   entropy     the KL-divergence threshold of TensorRT's calibration, entropy.cc
//   mse         the clipping minimizing the quantize-dequantize squared error, mse.cc
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "quant/observers/observer.h"

namespace octet::quant {

class HistogramObserver : public Observer {
 public:
  HistogramObserver(std::string kind, QScheme scheme, const ObserverOptions& options);
  std::string kind() const override { return kind_; }
  void observe(const Tensor& x) override;
  TensorQParams calculate_qparams() const override;
  void merge(const Observer& other) override;
  nlohmann::json to_json() const override;
  static std::unique_ptr<HistogramObserver> from_json(const nlohmann::json& j);

  struct Range {
    float min, max;
  };
  // The state, for the range choices and tests.
  const std::vector<double>& histogram() const { return hist_; }
  float min() const { return min_; }
  float max() const { return max_; }

 protected:
  // The clipping range chosen from the histogram (called only when it holds data).
  virtual Range choose_range() const;
  ObserverOptions options_;

 private:
  // Adds `other` (over [omin, omax]) into this histogram after widening the range to cover both;
  // bins are moved by their midpoints after splitting each into kUpsample parts (PyTorch's
  // _combine_histograms / _upscale_histogram).
  void combine(const std::vector<double>& other, float omin, float omax);
  std::string kind_;
  std::vector<double> hist_;
  float min_ = 0, max_ = 0;
  bool empty_ = true;
};

// The L2 error of quantizing the histogram's bins [start_bin, end_bin] into `dst_bins` levels
// (PyTorch's _compute_quantization_error); used by the histogram and mse kinds.
double histogram_l2_error(const std::vector<double>& hist, float min, float max, int start_bin, int end_bin,
                          int dst_bins);

// The kinds above: the range rules one calibrated histogram can be read with, the default first.
const std::vector<std::string>& histogram_range_rules();
bool is_histogram_range_rule(const std::string& kind);

std::unique_ptr<Observer> make_percentile_observer(QScheme scheme, const ObserverOptions& options);
std::unique_ptr<Observer> make_entropy_observer(QScheme scheme, const ObserverOptions& options);
std::unique_ptr<Observer> make_mse_observer(QScheme scheme, const ObserverOptions& options);

}  // namespace octet::quant
