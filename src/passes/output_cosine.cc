#include "passes/output_cosine.h"

#include <algorithm>

#include "core/cosine.h"
#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet {

OutputCosine::OutputCosine(const Graph& float_model, const std::map<std::string, Tensor>& calib, DataLayout layout,
                           int64_t samples, int64_t batch, int threads)
    : calib_(calib), layout_(layout), threads_(threads) {
  const Graph runnable = lower_or_optimize(float_model);
  // The batches of all the samples, cut after the one reaching `samples`: a model with a fixed
  // batch larger than `samples` still runs one whole batch.
  ranges_ = batch_ranges(runnable, layout, sample_count(calib, "calibration data"), std::min(batch, samples),
                         "calibration data");
  auto past = std::find_if(ranges_.begin(), ranges_.end(), [&](const auto& r) { return r.second >= samples; });
  if (past != ranges_.end()) ranges_.erase(past + 1, ranges_.end());
  samples_ = ranges_.empty() ? 0 : ranges_.back().second;
  float_outputs_ = run(runnable);
}

std::vector<std::map<std::string, Tensor>> OutputCosine::run(const Graph& runnable) const {
  Executor exec(runnable, {.threads = threads_});
  std::vector<std::map<std::string, Tensor>> outputs;
  for (const auto& [b, e] : ranges_) outputs.push_back(exec.run(sample_feeds(calib_, layout_, b, e)));
  return outputs;
}

double OutputCosine::score(const Graph& model) const {
  const std::vector<std::map<std::string, Tensor>> outputs = run(lower_or_optimize(model));
  double sum = 0;
  int64_t terms = 0;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    const int64_t n = ranges_[i].second - ranges_[i].first;
    for (const auto& [name, ref] : float_outputs_[i]) {
      const Tensor& out = outputs[i].at(name);
      OCTET_CHECK(out.shape() == ref.shape(), "output '", name, "' has shape ", shape_str(out.shape()),
                  "; the float model's has ", shape_str(ref.shape()));
      // Sample by sample where axis 0 holds the batch's samples; else (stacked calls, or an output
      // whose samples lie on another axis, as a recurrent state's) the batch as one vector.
      const bool per_sample = layout_ == DataLayout::kBatched && ref.rank() >= 1 && ref.dim(0) == n && n > 1;
      const int64_t rows = per_sample ? n : 1, row = ref.numel() / rows;
      for (int64_t r = 0; r < rows; ++r) sum += cosine(ref, out, r * row, (r + 1) * row);
      terms += rows;
    }
  }
  return terms ? sum / terms : 1.0;
}

}  // namespace octet
