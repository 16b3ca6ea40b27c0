#include "octet/report.h"

#include <algorithm>

#include "debug/value_histograms.h"
#include "octet/samples.h"

namespace octet {

namespace {

// Runs `g` as written on the first `samples` samples of `data`, batch by batch, with `attach`
// hooking its observers on first.
void run_over(const Graph& g, const std::map<std::string, Tensor>& data, int64_t samples, const CompareOptions& options,
              const std::function<void(Executor&)>& attach) {
  const DataLayout layout = resolve_data_layout(g, data, options.layout, options.data_name);
  const int64_t batch = layout == DataLayout::kStacked ? 1 : std::max<int64_t>(1, options.batch);
  Executor exec(g, ExecutorOptions{.threads = options.threads});
  attach(exec);
  for (int64_t b = 0; b < samples; b += batch) {
    const int64_t e = std::min(samples, b + batch);
    try {
      exec.run(sample_feeds(data, layout, b, e));
    } catch (const Error& err) {
      fail(options.data_name, ": ", options.quantized_name, " as written: ", err.what());
    }
    if (options.progress) options.progress(e, samples);
  }
}

}  // namespace

ReportData collect_report_data(const Graph& float_model, const Graph& quantized,
                               const std::map<std::string, Tensor>& data, const CompareOptions& options) {
  ReportData r;
  r.float_name = options.float_name;
  r.quantized_name = options.quantized_name;
  r.data_name = options.data_name;
  r.float_nodes = static_cast<int64_t>(float_model.nodes.size());
  r.quantized_nodes = static_cast<int64_t>(quantized.nodes.size());
  r.comparison = compare_models(float_model, quantized, data, options);
  const int64_t samples = r.comparison.samples;

  QParamsCheck check(quantized);
  SaturationStats saturation(quantized);
  run_over(quantized, data, samples, options, [&](Executor& exec) {
    check.attach(exec);
    saturation.attach(exec);
  });
  r.qparams = check.report();
  r.saturation = saturation.worst_first();

  // Second pass: the bins cover what the data showed and what the range keeps, so the clipped
  // tails and the unused ends of the range both show.
  std::map<std::string, std::pair<double, double>> ranges;
  for (const QTensorReport& q : r.qparams) {
    if (q.kind != QTensorKind::kActivation || !q.observed || q.observed->count == 0) continue;
    auto [lo, hi] = q.range_envelope();
    lo = std::min(lo, q.observed->min);
    hi = std::max(hi, q.observed->max);
    auto [it, added] = ranges.emplace(q.name, std::pair{lo, hi});
    if (!added) it->second = {std::min(it->second.first, lo), std::max(it->second.second, hi)};
  }
  ValueHistograms histograms(ranges, kReportHistogramBins);
  run_over(quantized, data, samples, options, [&](Executor& exec) { histograms.attach(exec); });
  r.histograms = histograms.histograms();
  return r;
}

}  // namespace octet
