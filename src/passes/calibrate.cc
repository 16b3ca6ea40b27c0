#include "passes/calibrate.h"

#include <algorithm>

#include "octet/samples.h"

namespace octet {

namespace {

std::map<std::string, Tensor> graph_feeds(const Graph& g, const std::map<std::string, Tensor>& data) {
  std::map<std::string, Tensor> feeds;
  for (const ValueInfo& in : g.inputs) {
    auto it = data.find(in.name);
    OCTET_CHECK(it != data.end(), "calibration data has no array for graph input '", in.name, "'");
    feeds[in.name] = it->second;
  }
  return feeds;
}

}  // namespace

int64_t calibration_samples(const Graph& g, const std::map<std::string, Tensor>& data,
                            const CalibrationOptions& options) {
  int64_t total = sample_count(graph_feeds(g, data), "calibration data");
  if (options.samples >= 0) total = std::min(total, options.samples);
  OCTET_CHECK(total > 0, "calibration data: no samples to calibrate on");
  return total;
}

std::vector<CalibrationBatch> calibration_batches(const Graph& g, const std::map<std::string, Tensor>& data,
                                                  const CalibrationOptions& options) {
  OCTET_CHECK(options.layout != DataLayout::kAuto, "calibration: resolve the data layout first");
  const std::map<std::string, Tensor> feeds = graph_feeds(g, data);
  const int64_t total = calibration_samples(g, data, options);
  std::vector<CalibrationBatch> batches;
  for (const auto& [b, e] :
       batch_ranges(g, options.layout, total, std::clamp<int64_t>(options.batch, 1, total), "calibration data"))
    batches.push_back({sample_feeds(feeds, options.layout, b, e), e - b});
  return batches;
}

void run_calibration_batches(const Graph& g, Executor& exec, const std::map<std::string, Tensor>& data,
                             const CalibrationOptions& options, int64_t progress_offset, int64_t progress_total) {
  if (progress_total < 0) progress_total = calibration_samples(g, data, options);
  int64_t done = 0;
  for (const CalibrationBatch& batch : calibration_batches(g, data, options)) {
    std::map<std::string, Tensor> outputs = exec.run(batch.feeds);
    if (options.outputs) options.outputs(done, done + batch.samples, std::move(outputs));
    done += batch.samples;
    if (options.progress) options.progress(progress_offset + done, progress_total);
  }
}

std::map<std::string, std::unique_ptr<quant::Observer>> make_activation_observers(const Graph& g,
                                                                                  const QuantPlan& plan) {
  std::map<std::string, std::unique_ptr<quant::Observer>> observers;
  for (const auto& [value, spec] : plan.activations) {
    std::string root = plan.qparams_root(value);
    const ActivationSpec& rs = plan.activations.at(root);
    if (rs.observer == "fixed" || observers.count(root)) continue;
    observers[root] = quant::make_observer(rs.observer, rs.scheme, rs.options);
  }
  for (auto& [value, observer] : observers)
    if (const Tensor* t = g.find_initializer(value)) observer->observe(*t);
  return observers;
}

std::map<std::string, std::unique_ptr<quant::Observer>> calibrate(const Graph& g, const QuantPlan& plan,
                                                                  const std::map<std::string, Tensor>& data,
                                                                  const CalibrationOptions& options,
                                                                  const ValueHook& also) {
  std::map<std::string, std::unique_ptr<quant::Observer>> observers = make_activation_observers(g, plan);
  Executor exec(g, ExecutorOptions{options.threads});
  exec.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
    auto it = observers.find(value);
    if (it != observers.end() && !g.find_initializer(value)) it->second->observe(t);
  });
  if (also) exec.add_hook(also);
  run_calibration_batches(g, exec, data, options);
  return observers;
}

}  // namespace octet
