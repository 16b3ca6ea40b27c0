// What octet report shows (debug/html_report.h), gathered by running the two models on the data:
// the layer-by-layer comparison (compare_models), the qparams check with the observed ranges and
// channel maxima (QParamsCheck), the saturation of the QDQ graph as written (SaturationStats) and
// a histogram of every quantized activation's float values (ValueHistograms).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "debug/value_histograms.h"
#include "octet/debug.h"

namespace octet {

constexpr int kReportHistogramBins = 64;

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

}  // namespace octet
