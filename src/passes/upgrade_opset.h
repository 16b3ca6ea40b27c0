// Per-channel weights need DequantizeLinear's `axis`, which ONNX added at opset 13. A model at an
// older opset (common from Paddle and older PyTorch exporters) is raised to opset 13 first with
// ONNX's version converter, and the converted float model is run against the original before it
// is trusted: a quantizer must not silently change the float function.
#pragma once

#include <map>
#include <string>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

inline constexpr int kPerAxisOpset = 13;

struct OpsetUpgrade {
  Graph graph;  // the model at opset 13, or the original when not upgraded
  bool upgraded = false;
  std::string note;  // what happened, for the quantize summary ("" when the opset was already 13+)
};

// `probe`: inputs to compare the two float models on (every graph input; a calibration sample,
// or synthesized ones when empty), and to learn the ranks of the values a Softmax reads. Not upgraded, with the reason
// in `note`, when the converter fails or the outputs differ by more than 1e-4 relative to their largest magnitude.
OpsetUpgrade upgrade_for_per_axis(const Graph& model, std::map<std::string, Tensor> probe = {});

}  // namespace octet
