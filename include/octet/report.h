// octet report's page (docs/debugging.md "The HTML report"; src/debug/report_data.cc gathers it,
// html_report.cc writes it): one self-contained HTML file with the models' summary, the per-layer
// SQNR chart, a histogram per quantized activation, the per-channel ranges of every weight, the
// qparams table with its flags and the float ops with their reasons. Inline CSS and SVG only: no
// script, no font, no URL; every name from the models is escaped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/debug.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

// The histogram of one value (debug/value_histograms.h fills them): equal-width bins over [low, high]; a value on
// `high` falls in the last bin.
struct Histogram {
  double low = 0, high = 1;
  std::vector<int64_t> counts;
  int64_t below = 0, above = 0;  // outside [low, high] (infinities included)
  int64_t nan = 0;

  // An empty, reversed or non-finite range becomes a unit-wide one around `low` (or [0, 1]).
  Histogram(double low, double high, int bins);
  void add(double v);
  double bin_width() const { return (high - low) / static_cast<double>(counts.size()); }
  int64_t in_range() const;  // the values counted in the bins
};

constexpr int kReportHistogramBins = 64;

// What the page shows, gathered by running the two models on the data: the layer-by-layer
// comparison (compare_models), the qparams check with the observed ranges and channel maxima
// (QParamsCheck), the saturation of the QDQ graph as written (SaturationStats) and a histogram of
// every quantized activation's float values.
struct ReportData {
  std::string float_name, quantized_name, data_name;  // as CompareOptions names them
  int64_t float_nodes = 0, quantized_nodes = 0;
  int64_t float_bytes = -1, quantized_bytes = -1;  // file sizes; -1: not known (the caller sets them)
  // Where the lowered quantized model runs, its float ops with their reasons: text the caller
  // gives; empty: not known.
  std::string kernel_coverage;
  Comparison comparison;
  std::vector<QTensorReport> qparams;           // observed on the data
  std::map<std::string, Histogram> histograms;  // by QTensorReport::name, each observed activation
  std::vector<SaturationCount> saturation;      // the QDQ graph as written, worst first
};

// compare_models, then the quantized graph as written twice over the same samples (options:
// samples, batch, layout, threads, names; progress is called for each of the three passes): the
// first with QParamsCheck and SaturationStats attached, the second filling kReportHistogramBins
// bins per activation over its observed range joined with its quantization range.
ReportData collect_report_data(const Graph& float_model, const Graph& quantized,
                               const std::map<std::string, Tensor>& data, const CompareOptions& options);

// The page for `data`.
std::string html_report(const ReportData& data);

}  // namespace octet
