// The quantizer's public API: static PTQ (prepare, calibrate, convert), dynamic PTQ, and the
// lowering of a QDQ graph onto INT8 kernels. Every function takes a Graph and returns a new one;
// inputs are never modified. docs/quantization.md holds the math.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "octet/data_layout.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

// A float32 constant of the quantized graph that is not a quantization parameter.
struct FloatTensor {
  std::string name;
  Shape shape;
  int64_t bytes = 0;
  std::string reader;  // the first node reading it: "<op> '<name>'"
  std::string why;     // the quantizer's reason for that node staying float ("" when it gave none)
};

// What a quantization call did, for the CLI summary and for tests.
struct QuantizeReport {
  std::vector<std::string> quantized_nodes;  // node names of the input graph
  std::vector<std::string> float_nodes;      // compute nodes kept in float, with the reason
  int64_t fp32_weight_bytes = 0;             // all float initializers of the input graph
  int64_t quantized_weight_bytes = 0;        // all initializers of the output graph
  std::vector<FloatTensor> float_tensors;    // those of 1 KiB or more, largest first
  std::vector<std::string> notes;            // changes to the model as a whole (an opset raised)
  // Static: the mean cosine of the quantized model's outputs to the float model's on the first
  // `output_cosine_samples` calibration samples (passes/output_cosine.h); -1 when not measured.
  double output_cosine = -1;
  int64_t output_cosine_samples = 0;
};

// The options hold every flag of `octet quantize`; its files are the caller's to read: --calib is
// the `calib` argument (octet/io.h reads .npz), --config the JSON text, and --max-drop is
// quantize_with_max_drop (octet/accuracy.h).
struct StaticQuantOptions {
  // The activation observer (quant/observers/observer.h kinds), or "auto": calibrate histograms
  // once, convert with each of their range rules (histogram, entropy, mse, percentile) and keep
  // the one whose outputs come closest to the float model's on the first calibration samples
  // (QuantizeReport::output_cosine's measure); four conversions instead of one.
  std::string observer = "auto";
  bool per_channel = true;          // weights per output channel (false: per tensor)
  DType act_dtype = DType::kUInt8;  // kUInt8 (affine) or kInt8
  bool reduce_range = false;        // 7-bit activations (PyTorch x86's reduce_range)
  // 7-bit weights (-64..64, ONNX Runtime's reduce_range): the GEMMs run on vpmaddubsw, about 2x
  // faster on CPUs without VNNI, for one bit of weight resolution (docs/static_ptq.md).
  bool reduce_weight_range = false;
  std::vector<std::string> exclude;             // node names kept in float
  std::string config_json;                      // a QConfig mapping as JSON text (quant/qconfig.h); "" = none
  int64_t samples = -1;                         // calibration samples used (-1: all)
  int64_t batch = 32;                           // calibration batch size
  DataLayout calib_layout = DataLayout::kAuto;  // how `calib` maps onto model calls (data_layout.h)
  // Bias correction (passes/bias_correction.h): each Conv/Gemm's mean output error moves into its
  // bias, measured layer after layer on the first `bias_correction_samples` calibration samples.
  bool bias_correction = true;
  int64_t bias_correction_samples = 128;  // -1: all
  // Per-channel weights below opset 13: the model is raised to opset 13 (passes/upgrade_opset.h)
  // unless this is set, which keeps its opset and quantizes the weights per tensor.
  bool keep_opset = false;
  int threads = 1;
  // Called after each calibration batch with (work done, work total): samples, counting each pass
  // over the data that calibration and bias correction make.
  std::function<void(int64_t, int64_t)> progress;
};

// Fuses, prepares, calibrates on `calib` (graph input name -> tensor, axis 0 = samples, batched or
// stacked) and converts to QDQ form. octet::Error naming the array, sample and element when `calib`
// holds a NaN or infinity. Deterministic: the same inputs give byte-identical exported models.
Graph quantize_static(const Graph& model, const std::map<std::string, Tensor>& calib, const StaticQuantOptions& options,
                      QuantizeReport* report = nullptr);

struct DynamicQuantOptions {
  bool per_channel = true;           // weights per output channel
  bool per_token = false;            // activations per row instead of per tensor
  bool reduce_range = false;         // 7-bit activations
  bool reduce_weight_range = false;  // 7-bit weights, as StaticQuantOptions::reduce_weight_range
  // Gather: embedding tables int8 per row (passes/quantize_embeddings.h)
  std::vector<std::string> op_types = {"MatMul", "Gemm", "LSTM", "GRU", "Gather"};
  std::vector<std::string> exclude;  // node names kept in float
  // Node names whose weights are int8 but whose activations stay float (weight-only: the weight is
  // dequantized and the op runs in float), the accuracy-aware fallback's first step for a layer.
  std::vector<std::string> weight_only;
  bool keep_opset = false;  // as StaticQuantOptions::keep_opset
};

// Weights int8 offline; activations quantized at run time. The result is a valid ONNX graph
// (DequantizeLinear on int8 weights) that ONNX Runtime runs; lower() runs it on INT8 kernels.
Graph quantize_dynamic(const Graph& model, const DynamicQuantOptions& options, QuantizeReport* report = nullptr);

// QDQ form (from octet or any other tool) -> a graph whose quantized parts run on INT8 kernels
// (ops of domain "com.octet", never exported). Parts it cannot lower stay in float QDQ form.
Graph lower(const Graph& qdq);

// True when the graph holds QuantizeLinear/DequantizeLinear nodes (worth lowering).
bool is_quantized(const Graph& g);

// The graph to run for `model`, as ONNX Runtime's sessions prepare one: a quantized model lowered
// onto the INT8 kernels (lower), a float one with optimize_for_inference (octet/runtime.h). What
// octet::Session, `octet run` and `octet bench` run.
Graph lower_or_optimize(const Graph& model);

}  // namespace octet
