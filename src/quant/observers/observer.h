// Observers watch float values during calibration and choose their quantization parameters
// (PyTorch's torch.ao.quantization.observer, see ../shared/seeds/). An observer's state is data:
// it can be saved, loaded and merged, so calibration can be split over processes and combined.
// Adding an observer: one file in src/quant/observers/, registered in make_observer().
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet::quant {

// How a value is quantized: the integer type, the mapping, and the granularity.
struct QScheme {
  DType dtype = DType::kUInt8;  // kUInt8 or kInt8
  bool symmetric = false;       // symmetric: zero point 0 (int8) or 128 (uint8)
  bool reduce_range = false;    // use 7 bits (PyTorch's x86 reduce_range): [0,127] or [-64,63]
  int ch_axis = -1;             // -1: per tensor; otherwise one scale per index of this axis
  int32_t qmin() const;
  int32_t qmax() const;
  bool per_channel() const { return ch_axis >= 0; }
  nlohmann::json to_json() const;
  static QScheme from_json(const nlohmann::json& j);  // octet::Error on a malformed object
};

// Quantization parameters of one value: one scale and zero point, or one per channel of `axis`.
struct TensorQParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int axis = -1;  // -1 when per tensor
  DType dtype = DType::kUInt8;
};

// Values an observer saw that no finite scale can represent: counted, never used for the range.
struct ObserverStats {
  int64_t finite = 0, nan = 0, pos_inf = 0, neg_inf = 0;
  nlohmann::json to_json() const;
  static ObserverStats from_json(const nlohmann::json& j);  // nlohmann::json::exception when malformed
};

// PyTorch's _calculate_qparams (docs/quantization.md eq. (3)-(5)): the range is widened to contain
// 0; symmetric ranges use max(|min|, max); a zero-width range gets scale 1 (never 0, NaN or Inf);
// scales below float epsilon are raised to it. min/max hold one value (per tensor) or one per
// channel; the result has the same count.
TensorQParams qparams_from_range(std::span<const float> min, std::span<const float> max, const QScheme& scheme);

class Observer {
 public:
  explicit Observer(QScheme scheme) : scheme_(scheme) {}
  virtual ~Observer() = default;

  virtual std::string kind() const = 0;  // "minmax", "histogram", ... (make_observer's names)
  // x is float32. Per-channel observers need x.rank() > scheme().ch_axis (octet::Error otherwise).
  virtual void observe(const Tensor& x) = 0;
  // octet::Error naming the observer when it has seen no finite value.
  virtual TensorQParams calculate_qparams() const = 0;
  // Combines `other`'s state into this one as if this observer had also seen other's batches
  // (exactly for min/max and histograms). octet::Error if kinds or schemes differ.
  virtual void merge(const Observer& other) = 0;
  // The whole state (scheme and stats included); load_observer() rebuilds an equal observer.
  virtual nlohmann::json to_json() const = 0;

  const QScheme& scheme() const { return scheme_; }
  const ObserverStats& stats() const { return stats_; }

 protected:
  QScheme scheme_;
  ObserverStats stats_;
};

struct ObserverOptions {
  float averaging_constant = 0.01f;  // moving_average*: min = min + c * (batch_min - min)
  int bins = 2048;                   // histogram, entropy, percentile, mse
  double percentile = 99.99;         // percentile: clip range at this percentile of |x| / of x
};

// kind: minmax, moving_average, per_channel_minmax, moving_average_per_channel, histogram,
// percentile, entropy, mse, fixed (see fixed_qparams). octet::Error listing the kinds otherwise.
std::unique_ptr<Observer> make_observer(const std::string& kind, const QScheme& scheme,
                                        const ObserverOptions& options = {});
std::unique_ptr<Observer> load_observer(const nlohmann::json& j);
std::vector<std::string> observer_kinds();

// Fixed qparams of ops whose output range is known (PyTorch's FixedQParamsObserver):
// Sigmoid and Softmax [0, 1], Tanh [-1, 1]. Returns false for other op types.
bool fixed_qparams(const std::string& op_type, const QScheme& scheme, TensorQParams* out);

}  // namespace octet::quant
