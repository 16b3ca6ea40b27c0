// How close a quantized model's outputs come to the float model's on the first calibration
// samples: the score `observer = "auto"` chooses the activation ranges by, and the one the quantize
// summary prints (QuantizeReport::output_cosine). The calibration data is no held-out set, so this
// says how much quantization changes the model where its ranges were measured, an upper bound on
// what evaluation data shows, and enough to rank range rules and to warn.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/data_layout.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

class OutputCosine {
 public:
  using Batches = std::vector<std::pair<int64_t, int64_t>>;
  // The model calls the score makes: the first `samples` samples of `calib` (all when it holds
  // fewer; a whole batch when the model fixes a larger one) in `layout`, `batch` at a time.
  static Batches batches(const Graph& float_model, const std::map<std::string, Tensor>& calib, DataLayout layout,
                         int64_t samples, int64_t batch);
  // Those batches run through the float model once (as lower_or_optimize prepares it).
  OutputCosine(const Graph& float_model, const std::map<std::string, Tensor>& calib, DataLayout layout, int64_t samples,
               int64_t batch, int threads);
  // With the float model's outputs of `batches` already made (by calibration, passes/calibrate.h),
  // in order.
  OutputCosine(const std::map<std::string, Tensor>& calib, DataLayout layout, Batches batches,
               std::vector<std::map<std::string, Tensor>> float_outputs, int threads);
  // The mean over samples and graph outputs of the cosine between `model`'s output (a QDQ model,
  // run lowered onto the INT8 kernels) and the float model's. octet::Error naming the output when
  // its shape differs from the float model's.
  double score(const Graph& model) const;
  int64_t samples() const { return samples_; }

 private:
  // Per batch, every graph output.
  std::vector<std::map<std::string, Tensor>> run(const Graph& runnable) const;

  const std::map<std::string, Tensor>& calib_;
  DataLayout layout_;
  int threads_;
  int64_t samples_ = 0;
  Batches ranges_;
  std::vector<std::map<std::string, Tensor>> float_outputs_;
};

}  // namespace octet
