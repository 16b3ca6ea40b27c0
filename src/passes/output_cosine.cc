#include "passes/output_cosine.h"

#include <algorithm>

#include "core/cosine.h"
#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet {

OutputCosine::Batches OutputCosine::batches(const Graph& float_model, const std::map<std::string, Tensor>& calib,
                                            DataLayout layout, int64_t samples, int64_t batch) {
  // The batches of all the samples, cut after the one reaching `samples`: a model with a fixed
  // batch larger than `samples` still runs one whole batch.
  Batches ranges = batch_ranges(float_model, layout, sample_count(calib, "calibration data"), std::min(batch, samples),
                                "calibration data");
  auto past = std::find_if(ranges.begin(), ranges.end(), [&](const auto& r) { return r.second >= samples; });
  if (past != ranges.end()) ranges.erase(past + 1, ranges.end());
  return ranges;
}

OutputCosine::OutputCosine(const Graph& float_model, const std::map<std::string, Tensor>& calib, DataLayout layout,
                           int64_t samples, int64_t batch, int threads)
    : calib_(calib), layout_(layout), threads_(threads) {
  const Graph runnable = lower_or_optimize(float_model);
  ranges_ = batches(runnable, calib, layout, samples, batch);
  samples_ = ranges_.empty() ? 0 : ranges_.back().second;
  float_outputs_ = run(runnable);
}

OutputCosine::OutputCosine(const std::map<std::string, Tensor>& calib, DataLayout layout, Batches batches,
                           std::vector<std::map<std::string, Tensor>> float_outputs, int threads)
    : calib_(calib),
      layout_(layout),
      threads_(threads),
      samples_(batches.empty() ? 0 : batches.back().second),
      ranges_(std::move(batches)),
      float_outputs_(std::move(float_outputs)) {
  OCTET_CHECK(ranges_.size() == float_outputs_.size(), "output cosine: ", float_outputs_.size(),
              " batches of float outputs for ", ranges_.size(), " batches");
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
