// The numeric suite: where a quantized model's error comes from, layer by layer (docs/debugging.md).
// Like PyTorch's torch.ao.ns and ONNX Runtime's qdq_loss_debug, but for any pair of ONNX models:
// octet's QDQ output, QDQ models other tools made, and dynamically quantized models.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "octet/data_layout.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

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
  ErrorSummary isolated;     // the layer fed the float model's own inputs: its own error only
  ErrorSummary accumulated;  // the whole quantized model: error carried from upstream too
  std::vector<WeightError> weights;
};

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

}  // namespace octet
