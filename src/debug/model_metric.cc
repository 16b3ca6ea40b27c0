#include "octet/accuracy.h"

#include <algorithm>
#include <cstdio>

#include "core/cosine.h"
#include "octet/error.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet {

namespace {

// Runs `runnable` over the evaluation batches (octet/data_layout.h batch_ranges), handing each
// batch's first output (one sample's output flattened to a row for stacked data) and its first
// sample index to `each`. Returns the samples run.
int64_t for_each_batch(const Graph& runnable, const EvalData& eval, DataLayout layout,
                       const std::function<void(int64_t, const Tensor&)>& each) {
  const int64_t n = sample_count(eval.data, eval.data_name);
  const auto ranges = batch_ranges(runnable, layout, n, eval.batch, eval.data_name);
  Executor exec(runnable, {.threads = eval.threads});
  const std::string& out_name = runnable.outputs.at(0).name;
  for (const auto& [b, e] : ranges) {
    Tensor out = exec.run(sample_feeds(eval.data, layout, b, e)).at(out_name);
    if (layout == DataLayout::kStacked) out = out.reshaped({1, out.numel()});
    OCTET_CHECK(out.rank() >= 1 && out.dim(0) == e - b, "output '", out_name, "' has shape ", shape_str(out.shape()),
                " for ", e - b, " samples");
    each(b, out);
  }
  return ranges.empty() ? 0 : ranges.back().second;
}

}  // namespace

std::vector<int64_t> argmax_rows(const Tensor& logits, const std::string& name, int64_t* classes) {
  OCTET_CHECK(logits.rank() >= 2 && logits.dim(0) > 0, "output '", name, "' has shape ", shape_str(logits.shape()),
              "; top-1 needs [samples, classes]");
  const int64_t n = logits.dim(0), c = logits.numel() / n;
  *classes = c;
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j)
      if (logits.as_double(i * c + j) > logits.as_double(i * c + best)) best = j;
    out[i] = best;
  }
  return out;
}

Top1 count_top1(const Graph& runnable, const EvalData& eval, const std::function<void(int64_t)>& progress) {
  const int64_t n = sample_count(eval.data, eval.data_name);
  OCTET_CHECK(static_cast<int64_t>(eval.labels.size()) == n, eval.labels_name, ": expected ", n, " labels (shape [", n,
              "]), got ", eval.labels.size());
  const DataLayout layout = resolve_data_layout(runnable, eval.data, eval.layout, eval.data_name);
  const std::string& out_name = runnable.outputs.at(0).name;
  Top1 top1;
  top1.samples = for_each_batch(runnable, eval, layout, [&](int64_t b, const Tensor& logits) {
    int64_t classes = 0;
    const std::vector<int64_t> pred = argmax_rows(logits, out_name, &classes);
    if (b == 0)  // the first output tells the class count: every label is checked before going on
      for (int64_t i = 0; i < n; ++i)
        OCTET_CHECK(eval.labels[i] >= 0 && eval.labels[i] < classes, eval.labels_name, ": label ", i, " is ",
                    eval.labels[i], "; the model has ", classes, " classes (0 to ", classes - 1, ")");
    for (size_t i = 0; i < pred.size(); ++i) top1.correct += pred[i] == eval.labels[b + i];
    if (progress) progress(b + static_cast<int64_t>(pred.size()));
  });
  return top1;
}

ModelMetric::ModelMetric(const Graph& float_model, EvalData eval) : eval_(std::move(eval)) {
  layout_ = resolve_data_layout(float_model, eval_.data, eval_.layout, eval_.data_name);
  OCTET_CHECK(sample_count(eval_.data, eval_.data_name) > 0, eval_.data_name, ": holds no samples to evaluate on");
  const Graph runnable = optimize_for_inference(float_model);
  if (by_labels()) {
    float_score_ = count_top1(runnable, eval_).percent();
    return;
  }
  samples_ = for_each_batch(runnable, eval_, layout_,
                            [&](int64_t, const Tensor& out) { float_outputs_.push_back(out.clone()); });
  float_score_ = 1.0;
}

double ModelMetric::score(const Graph& model) const {
  const Graph runnable = lower_or_optimize(model);
  if (by_labels()) return count_top1(runnable, eval_).percent();
  double sum = 0;
  size_t batch = 0;
  for_each_batch(runnable, eval_, layout_, [&](int64_t, const Tensor& out) {
    const Tensor& ref = float_outputs_.at(batch++);
    OCTET_CHECK(out.numel() == ref.numel(), "output '", runnable.outputs.at(0).name, "' has shape ",
                shape_str(out.shape()), "; the float model's has ", shape_str(ref.shape()));
    const int64_t row = out.numel() / out.dim(0);
    for (int64_t r = 0; r < out.dim(0); ++r) sum += cosine(ref, out, r * row, (r + 1) * row);
  });
  return sum / samples_;
}

std::string ModelMetric::describe(double score) const {
  char buf[64];
  if (by_labels()) std::snprintf(buf, sizeof buf, "top-1 %.2f %%", score);
  else std::snprintf(buf, sizeof buf, "cosine %.5f", score);
  return buf;
}

}  // namespace octet
