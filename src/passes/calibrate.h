// Calibration: runs representative data through the float graph in batches and feeds every
// activation value the plan quantizes to its observer (through Executor hooks).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/data_layout.h"
#include "octet/graph.h"
#include "octet/runtime.h"
#include "passes/prepare.h"
#include "quant/observers/observer.h"

namespace octet {

struct CalibrationOptions {
  int64_t samples = -1;  // -1: all
  int64_t batch = 32;    // clipped to a graph input's fixed leading dim; 1 for stacked data
  int threads = 1;
  std::function<void(int64_t done, int64_t total)> progress;
  DataLayout layout = DataLayout::kBatched;  // resolved (octet/data_layout.h), not kAuto
  // Called with each batch's graph outputs and the samples [begin, end) it held (the float
  // outputs output_cosine.h compares with, made by the calibration pass).
  std::function<void(int64_t begin, int64_t end, std::map<std::string, Tensor> outputs)> outputs;
};

// One fresh observer per value whose qparams come from data (QuantPlan::qparams_root of every
// quantized value, except fixed ones), of its ActivationSpec's kind; a quantized constant (an
// operand of Add or Mul) is observed at once, whole.
std::map<std::string, std::unique_ptr<quant::Observer>> make_activation_observers(const Graph& g,
                                                                                  const QuantPlan& plan);

// Calibrates make_activation_observers' observers: one per value whose qparams come from data (QuantPlan::qparams_root
// of every quantized value, except fixed ones). `data`: graph input name -> tensor, axis 0 = samples. octet::Error when
// an input is missing or an observer sees no finite value. `also` sees every value too (bias correction's float means,
// gathered in the same pass).
std::map<std::string, std::unique_ptr<quant::Observer>> calibrate(const Graph& g, const QuantPlan& plan,
                                                                  const std::map<std::string, Tensor>& data,
                                                                  const CalibrationOptions& options,
                                                                  const ValueHook& also = nullptr);

// Runs the calibration samples of `data` through `exec` (built on `g`) in the batches calibrate()
// uses; the caller reads values through hooks. `progress_offset` is added to the samples done
// reported to options.progress, `progress_total` is the total reported (a second pass over the
// data continues the first one's progress). octet::Error as calibrate().
void run_calibration_batches(const Graph& g, Executor& exec, const std::map<std::string, Tensor>& data,
                             const CalibrationOptions& options, int64_t progress_offset = 0,
                             int64_t progress_total = -1);

// One model call of calibration: its feeds (graph inputs only) and the samples they hold.
struct CalibrationBatch {
  std::map<std::string, Tensor> feeds;
  int64_t samples = 0;
};

// The batches run_calibration_batches runs, in order.
std::vector<CalibrationBatch> calibration_batches(const Graph& g, const std::map<std::string, Tensor>& data,
                                                  const CalibrationOptions& options);

// The number of samples calibration runs: options.samples of `data`, or all of them.
int64_t calibration_samples(const Graph& g, const std::map<std::string, Tensor>& data,
                            const CalibrationOptions& options);

}  // namespace octet
