// Bias correction: quantizing a layer's weights and activations shifts the mean of its output,
// and a deep network accumulates those shifts (clipped activation ranges shift it most). Nagel et
// al. 2019, "Data-Free Quantization Through Weight Equalization and Bias Correction", sec. 4.2,
// remove the shift by adding the expected error to the bias; done empirically here, as AIMET's
// empirical bias correction and NNCF's BiasCorrection do: layer after layer in graph order, each
// measured in the quantized model whose upstream layers are already corrected, so that a layer
// corrects what actually reaches it (the mean shift a ReLU makes of upstream noise included).
// The "fast" variant that measures every layer at once on the float model's inputs was tried and
// made MobileNetV2's later layers worse (docs/static_ptq.md, "Bias correction").
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/runtime.h"
#include "passes/calibrate.h"
#include "passes/convert.h"
#include "passes/prepare.h"

namespace octet {

// Per-channel (axis 1) sums of a layer's output over the data.
struct ChannelMean {
  std::vector<double> sum;
  int64_t count = 0;  // elements per channel
  void add(const Tensor& t);
  double mean(size_t c) const { return sum[c] / static_cast<double>(count); }
};

// The float model's per-channel output means of the layers bias correction corrects, gathered by
// a hook on an Executor running `fused` over the bias-correction samples: calibration runs the
// same graph, and over the same samples it saves bias correction its own float pass.
class BiasReference {
 public:
  BiasReference(const Graph& fused, const QuantPlan& plan);
  ValueHook hook();
  const std::map<std::string, ChannelMean>& means() const { return means_; }

 private:
  std::map<std::string, ChannelMean> means_;      // by layer name
  std::map<std::string, ChannelMean*> by_value_;  // by the layer's output value
};

// Gives every quantized Conv and Gemm head of `plan` a float bias (zeros where it had none) so
// that a correction has somewhere to go. Call before calibrating and converting.
void add_missing_biases(Graph& fused, const QuantPlan& plan);

// convert(), then for each quantized Conv/Gemm, in graph order: its float bias in `fused` moves by
// E[y_float - y_quantized] per output channel over `data` (options.samples of it), y_quantized
// from the QDQ model with the corrections made so far. One float pass, then one QDQ pass per
// level of layers (layers with no uncorrected quantized layer upstream are corrected together).
// Returns the final QDQ graph; `fused` keeps the corrected biases (a bias tensor shared with
// another node is copied first; the input model's tensors are never written). `reference`, when
// given, holds the float means over the same samples (calibration gathered them); otherwise a
// float pass computes them first.
Graph convert_with_bias_correction(Graph& fused, const QuantPlan& plan,
                                   const std::map<std::string, std::unique_ptr<quant::Observer>>& observers,
                                   const std::map<std::string, Tensor>& data, const CalibrationOptions& options,
                                   ConvertNotes* notes = nullptr, const BiasReference* reference = nullptr);

// How many passes over the data convert_with_bias_correction makes (for progress totals), the
// float reference pass included.
int bias_correction_passes(const Graph& fused, const QuantPlan& plan);

}  // namespace octet
