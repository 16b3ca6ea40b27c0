// The quantization options `quantize` and `sensitivity` share (docs/static_ptq.md,
// docs/dynamic_ptq.md): --mode, --calib and the qconfig flags, turned into a LayerQuantizer.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "octet/accuracy.h"

namespace octet::cli {

struct QuantizeArgs {
  std::string mode, calib, observer = "auto", act_dtype = "u8", config, layout = "auto";
  std::vector<std::string> exclude, ops;
  bool per_tensor = false, per_token = false, reduce_range = false, reduce_weight_range = false,
       no_bias_correction = false, keep_opset = false;
  int64_t samples = -1, batch = 32, bias_correction_samples = 128;
  int threads = 1;
  CLI::Option* bias_correction_samples_option = nullptr;
  CLI::Option* layout_option = nullptr;
};

void add_quantize_options(CLI::App* cmd, QuantizeArgs& args);

// Refuses flags of the other mode (CLI::ValidationError naming `verb`, exit 2).
void check_quantize_options(const QuantizeArgs& args, const std::string& verb);

// A "calibrate" progress bar for make_quantizer, its line ended when the work is done (the
// callback owns it: calibration and bias correction call it after the caller's scope moved on).
std::function<void(int64_t, int64_t)> calibration_progress();

// The text of the qconfig file at `path` (--config); octet::Error naming it when unreadable or empty.
std::string read_qconfig(const std::string& path);

// Reads the calibration data and the qconfig file, and calibrates (static). `progress` sees the
// calibration and the first conversion's bias correction, in samples.
std::unique_ptr<LayerQuantizer> make_quantizer(const Graph& model, const QuantizeArgs& args,
                                               const std::function<void(int64_t, int64_t)>& progress);

}  // namespace octet::cli
