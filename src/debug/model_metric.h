// How good a model's answers are on evaluation data: top-1 accuracy against labels, or, without
// labels, the mean cosine between its first output and the float model's, sample by sample. The
// score sensitivity analysis ranks layers by and the accuracy-aware fallback bounds the drop of.
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

struct EvalData {
  std::map<std::string, Tensor> data;  // graph input name -> samples along axis 0
  std::vector<int64_t> labels;         // one class per sample; empty: score by cosine
  DataLayout layout = DataLayout::kAuto;
  int64_t batch = 100;  // samples per run (stacked data: 1)
  int threads = 1;
  std::string data_name = "the evaluation data", labels_name = "the labels";  // for error messages
};

// The index of the largest value of each row of a [N, ...] output (the first of equal maxima);
// *classes receives the row length. octet::Error naming `name` for a rank below 2 or no rows.
std::vector<int64_t> argmax_rows(const Tensor& logits, const std::string& name, int64_t* classes);

struct Top1 {
  int64_t correct = 0, samples = 0;  // samples run: all, but a fixed batch drops a last partial one
  double percent() const { return samples ? 100.0 * correct / samples : 0.0; }
};

// The samples `runnable` (run as given: lower a quantized model first) classifies as its label,
// by the argmax of its first output. octet::Error naming eval.labels_name for a label outside the
// model's classes or a count that does not match the samples. `progress` gets the samples done.
Top1 count_top1(const Graph& runnable, const EvalData& eval, const std::function<void(int64_t)>& progress = nullptr);

class ModelMetric {
 public:
  // Runs the float model once: its top-1, or its outputs for the cosines to come.
  ModelMetric(const Graph& float_model, EvalData eval);
  bool by_labels() const { return !eval_.labels.empty(); }
  double float_score() const { return float_score_; }
  // Top-1 in percent, or the mean cosine; a quantized model runs lowered onto the INT8 kernels.
  double score(const Graph& model) const;
  // "top-1 97.30 %" or "cosine 0.99812".
  std::string describe(double score) const;
  // The drop from the float model, in the score's unit (top-1 points, or cosine).
  double drop(double score) const { return float_score_ - score; }

 private:
  EvalData eval_;
  int64_t samples_ = 0;  // cosine: the samples the float outputs cover
  DataLayout layout_;
  double float_score_ = 0;
  std::vector<Tensor> float_outputs_;  // per batch, the first output (cosine only)
};

}  // namespace octet
