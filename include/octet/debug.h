// Debugging a quantized model (docs/debugging.md): where its error comes from layer by layer
// (`octet compare`: the numeric suite, like PyTorch's torch.ao.ns and ONNX Runtime's
// qdq_loss_debug, for any pair of ONNX models), the sanity of its quantization parameters
// (`octet inspect --qparams`) and, at run time, how often its quantized tensors saturate
// (`octet run --stats`). All read the graph's QuantizeLinear / DequantizeLinear nodes and value
// names, so models quantized by octet and by other tools (ONNX Runtime's quantizer) are read the
// same way, dynamically quantized ones included.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "octet/data_layout.h"
#include "octet/graph.h"
#include "octet/runtime.h"
#include "octet/tensor.h"

namespace octet {

// ---- layer-by-layer comparison (src/debug/compare.cc) ----

// How far `test` is from `ref` over every element seen. SQNR (dB) = 10 log10(sum ref^2 / sum
// (ref - test)^2): +inf when they are equal. Cosine over the values flattened.
struct ErrorSummary {
  double sqnr_db = 0;
  double cosine = 0;
  double max_abs_err = 0;
};

// A quantized weight against the float weight it stands for: SQNR over the whole tensor and per
// output channel (`axis` of the weight), the worst channel named.
struct WeightError {
  std::string name;  // the quantized model's initializer
  int axis = 0;
  double sqnr_db = 0;
  std::vector<double> channel_sqnr_db;  // -inf for an all-zero float channel that quantized to nonzero
  int64_t worst_channel = 0;            // the channel with the lowest SQNR
};

// One quantized layer: a value both models compute, and the float-model node that produces it.
struct LayerError {
  std::string name;                          // the float model's node
  std::string op;                            // its op type
  std::string tensor;                        // the value compared (its name in both models)
  std::vector<std::string> quantized_nodes;  // the quantized model's nodes that compute it
  ErrorSummary isolated;                     // the layer fed the float model's own inputs: its own error only
  ErrorSummary accumulated;                  // the whole quantized model: error carried from upstream too
  std::vector<WeightError> weights;
};

// The weight of `layer` whose worst channel is the worst: null for a layer without weights.
const WeightError* weakest_weight(const LayerError& layer);

struct CompareOptions {
  int64_t batch = 32;    // samples per run (stacked data: 1)
  int64_t samples = -1;  // the first N samples of the data (-1: all)
  DataLayout layout = DataLayout::kAuto;
  int threads = 1;
  std::function<void(int64_t done, int64_t total)> progress;  // after each batch, in samples
  // What error messages call the two models and the data (the CLI passes the file names).
  std::string float_name = "the float model", quantized_name = "the quantized model", data_name = "the data";
};

struct Comparison {
  std::vector<LayerError> layers;  // lowest isolated SQNR first
  int64_t samples = 0;
  // How the quantized model ran: "QDQ as written" (its ONNX semantics, which the INT8 kernels
  // match within one quantization step) or "INT8 kernels" (a dynamic model: its activations are
  // quantized only at run time).
  std::string quantized_run;
  // Shared values left out because the two models give them different sizes or types:
  // "<value>: float [..], quantized <dtype> [..]".
  std::vector<std::string> mismatches;
  std::vector<std::string> warnings;  // e.g. the models look unrelated
};

// Runs both models on `data` (graph input name -> samples along axis 0) and compares every value
// they share that quantization touches. octet::Error when `float_model` holds quantization, when
// `quantized` holds none, or when they share no such value (not made from the same model).
Comparison compare_models(const Graph& float_model, const Graph& quantized, const std::map<std::string, Tensor>& data,
                          const CompareOptions& options = {});

// ---- quantization parameters (src/debug/qparams_check.cc) ----

enum class QTensorKind { kActivation, kWeight, kBias };  // bias: an int32 constant
const char* qtensor_kind_name(QTensorKind kind);         // "activation", "weight", "bias"

// One finding about a quantized tensor. `code` is stable for scripts: "bad_scale" (error: zero,
// negative, NaN, Inf or denormal), "weight_zero_point", "zero_point_at_edge", "clipped",
// "channel_spread", "dead_channel", "outlier_channel".
struct QParamsFlag {
  enum class Severity { kInfo, kWarning, kError };
  std::string code;
  Severity severity = Severity::kWarning;
  std::string message;
  std::vector<int64_t> channels;  // the channels concerned, when the flag is about channels
};
const char* severity_name(QParamsFlag::Severity s);  // "info", "warning", "error"

// What the data showed at a QuantizeLinear's float input (only with data).
struct ObservedRange {
  int64_t count = 0;  // finite values seen
  double min = 0, max = 0;
  // Values clipped to the range's low / high end: beyond it by more than half a step, so that
  // saturation, not rounding, picked their code.
  int64_t below = 0, above = 0;
};

// The quantization of one tensor: a QuantizeLinear's (activations, or a float weight quantized in
// the graph) or a DequantizeLinear's whose input is constant codes or a graph input. A
// DequantizeLinear reading a QuantizeLinear's output describes the same tensor and is not repeated.
struct QTensorReport {
  std::string name;  // the float value quantized, or the constant's (weight) name
  std::string node;  // the QuantizeLinear / DequantizeLinear node
  QTensorKind kind = QTensorKind::kActivation;
  DType dtype = DType::kUInt8;
  // The per-channel axis; nullopt: per tensor. Negative (from the end) only where the rank is unknown.
  std::optional<int64_t> axis;
  std::vector<double> scale;        // one per channel (one when per tensor)
  std::vector<int64_t> zero_point;  // as many as scale
  int64_t qmin = 0, qmax = 255;     // the code range of dtype
  std::optional<ObservedRange> observed;
  // max |x| per channel, what the channel flags read: a weight's output channels; an activation's
  // channels of axis 1, with data. Empty otherwise (a bias, a 1-D weight, no data).
  std::vector<double> channel_max_abs;
  std::vector<QParamsFlag> flags;

  double range_low(size_t channel) const { return (qmin - zero_point[channel]) * scale[channel]; }
  double range_high(size_t channel) const { return (qmax - zero_point[channel]) * scale[channel]; }
  std::pair<double, double> range_envelope() const;  // the range, or its envelope over the channels
};

// Thresholds of the flags, documented in docs/debugging.md.
constexpr double kChannelSpreadRatio = 100;  // largest / smallest nonzero channel max |x|
constexpr double kOutlierRatio = 10;         // a channel's max |x| / the median channel's
constexpr double kClippedShare = 0.01;       // share of values outside the range

// Checks every quantized tensor of a QDQ graph; with data, attach() it to an Executor running that
// graph as written before the runs, then report(). octet::Error naming the node for qparams that are
// not constants of a consistent shape.
class QParamsCheck {
 public:
  explicit QParamsCheck(const Graph& qdq);
  QParamsCheck(const QParamsCheck&) = delete;
  QParamsCheck& operator=(const QParamsCheck&) = delete;
  ~QParamsCheck();

  void attach(Executor& exec);                // records what every QuantizeLinear's float input holds
  std::vector<QTensorReport> report() const;  // in graph order

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- run-time saturation (src/debug/saturation.cc) ----

// How often one quantized tensor's codes sat at the ends of its dtype.
struct SaturationCount {
  std::string name;  // the value (a QuantizeLinear's or an INT8 op's output)
  std::string node;  // the node that produced it
  DType dtype = DType::kUInt8;
  int64_t zero_point = 0;
  // False where a code at qmin is exact, not saturated: the zero point is qmin (uint8 after ReLU).
  bool qmin_saturates = true;
  int64_t count = 0, at_qmin = 0, at_qmax = 0;

  double qmin_share() const { return count && qmin_saturates ? double(at_qmin) / count : 0; }
  double qmax_share() const { return count ? double(at_qmax) / count : 0; }
};

constexpr double kSaturationWarnShare = 0.01;  // `run --stats` marks tensors above 1 % at either end

// Counts saturated codes of every value a graph quantizes: QuantizeLinear outputs and the outputs
// of the lowered INT8 ops (com.octet Int8*, whose y_zero_point attribute gives the zero point),
// so it works on a QDQ graph as written and on one lowered by octet::lower.
class SaturationStats {
 public:
  explicit SaturationStats(const Graph& g);
  bool empty() const { return counts_.empty(); }  // the graph quantizes nothing
  void attach(Executor& exec);
  std::vector<SaturationCount> worst_first() const;  // by the larger of the two shares

 private:
  std::vector<SaturationCount> counts_;
  std::vector<std::vector<int64_t>> zero_points_;  // per counts_ entry: all of its zero points
  std::map<std::string, size_t> index_;            // value name -> counts_
};

}  // namespace octet
