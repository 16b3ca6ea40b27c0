// A quantizer that can keep chosen layers in float: what sensitivity analysis and the
// accuracy-aware fallback vary. Static quantization calibrates once (passes/static_quantizer.h);
// dynamic quantization has nothing to calibrate.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/quantize.h"

namespace octet {

class LayerQuantizer {
 public:
  virtual ~LayerQuantizer() = default;
  // The layers that can be kept float, in graph order: node names of the float model (a fused
  // unit by its head, the Conv of Conv+BN+ReLU).
  virtual std::vector<std::string> layers() const = 0;
  // The layer `node` (a float-model node name) belongs to; "" when it belongs to none.
  virtual std::string layer_of(const std::string& node) const = 0;
  // The quantized model with `float_layers` kept in float and `weight_only` layers with int8
  // weights and float activations (only where can_be_weight_only()). Deterministic.
  virtual Graph quantize(const std::vector<std::string>& float_layers, QuantizeReport* report = nullptr,
                         const std::vector<std::string>& weight_only = {}) = 0;
  // Whether `layer` can keep its weights int8 and run in float: dynamic quantization's MatMul,
  // Gemm, LSTM and GRU (the middle step between quantized and float that recurrent layers often
  // need); not an embedding table, already weight-only by nature.
  virtual bool can_be_weight_only(const std::string& layer) const = 0;
};

// Both copy what they are given (the quantizer outlives the caller's tensors).
std::unique_ptr<LayerQuantizer> static_layer_quantizer(const Graph& model, std::map<std::string, Tensor> calib,
                                                       const StaticQuantOptions& options);
std::unique_ptr<LayerQuantizer> dynamic_layer_quantizer(const Graph& model, const DynamicQuantOptions& options);

}  // namespace octet
