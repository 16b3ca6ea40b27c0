#include "quantize_options.h"

#include "inputs.h"
#include "octet/data_layout.h"
#include "octet/io.h"
#include "octet/samples.h"
#include "progress.h"

namespace octet::cli {

void add_quantize_options(CLI::App* cmd, QuantizeArgs& args) {
  cmd->add_option("--mode", args.mode, "static (calibrated activations) or dynamic (run-time activations)")
      ->required()
      ->check(CLI::IsMember({"static", "dynamic"}));
  cmd->add_option("--calib", args.calib, "static: calibration DATA (.npz keyed by input name, or .npy)");
  args.layout_option = cmd->add_option("--data-layout", args.layout,
                                       "static: axis 0 of the calibration DATA: the model's batch axis (batched), "
                                       "whole inputs stacked, one call each (stacked), or as the ranks say (auto)")
                           ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--observer", args.observer,
                  "static: activation observer; auto: the histogram, entropy, mse or percentile ranges, whichever "
                  "brings the outputs closest to fp32 on the first calibration samples")
      ->check(CLI::IsMember({"minmax", "moving_average", "histogram", "percentile", "entropy", "mse", "auto"}));
  cmd->add_flag("--per-tensor", args.per_tensor, "one weight scale per tensor instead of per output channel");
  cmd->add_option("--act-dtype", args.act_dtype, "static: activation type")->check(CLI::IsMember({"u8", "s8"}));
  cmd->add_flag("--reduce-range", args.reduce_range, "7-bit activations (PyTorch x86's reduce_range)");
  cmd->add_flag("--reduce-weight-range", args.reduce_weight_range,
                "7-bit weights (ONNX Runtime's reduce_range): about 2x faster GEMMs on CPUs without VNNI");
  cmd->add_option("--exclude", args.exclude, "node names kept in float")->delimiter(',');
  cmd->add_option("--config", args.config, "static: qconfig mapping (JSON, see docs/quantization.md)");
  cmd->add_option("--samples", args.samples, "static: calibration samples used (default: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--batch", args.batch, "static: calibration batch size")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_flag("--no-bias-correction", args.no_bias_correction,
                "static: keep the biases as calibrated (no passes moving each layer's mean error into its bias)");
  args.bias_correction_samples_option =
      cmd->add_option("--bias-correction-samples", args.bias_correction_samples,
                      "static: calibration samples the bias correction runs (default 128)")
          ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_flag("--per-token", args.per_token,
                "dynamic: MatMul/Gemm activations per row (token) instead of per tensor; LSTM/GRU inputs are per time "
                "step anyway");
  cmd->add_option("--ops", args.ops,
                  "dynamic: op types to quantize (default MatMul,Gemm,LSTM,GRU,Gather; Gather: embedding tables)")
      ->delimiter(',');
  cmd->add_flag("--keep-opset", args.keep_opset,
                "below opset 13: keep the model's opset and quantize weights per tensor (default: raise it to 13 for "
                "per-channel weights)");
  cmd->add_option("--threads", args.threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
}

void check_quantize_options(const QuantizeArgs& args, const std::string& verb) {
  const bool is_static = args.mode == "static";
  auto usage = [&](const std::string& what) { throw CLI::ValidationError(verb, what); };
  if (is_static && args.calib.empty()) usage("--mode static needs --calib DATA");
  if (!is_static && !args.calib.empty()) usage("--calib is for --mode static");
  if (is_static && (args.per_token || !args.ops.empty())) usage("--per-token and --ops are for --mode dynamic");
  if (!is_static &&
      (args.no_bias_correction || args.bias_correction_samples_option->count() || args.layout_option->count()))
    usage("--no-bias-correction, --bias-correction-samples and --data-layout are for --mode static");
}

std::function<void(int64_t, int64_t)> calibration_progress() {
  auto progress = std::make_shared<Progress>("calibrate", 0);
  return [progress](int64_t done, int64_t total) {
    progress->update(done, total);
    if (done >= total) progress->finish();
  };
}

std::string read_qconfig(const std::string& path) {
  std::string text = read_file(path);
  OCTET_CHECK(text.find_first_not_of(" \t\r\n") != std::string::npos, path,
              ": the qconfig file is empty (docs/quantization.md shows the format)");
  return text;
}

std::unique_ptr<LayerQuantizer> make_quantizer(const Graph& model, const QuantizeArgs& args,
                                               const std::function<void(int64_t, int64_t)>& progress) {
  if (args.mode == "dynamic") {
    DynamicQuantOptions o;
    o.per_channel = !args.per_tensor;
    o.per_token = args.per_token;
    o.reduce_range = args.reduce_range;
    o.reduce_weight_range = args.reduce_weight_range;
    if (!args.ops.empty()) o.op_types = args.ops;
    o.exclude = args.exclude;
    o.keep_opset = args.keep_opset;
    return dynamic_layer_quantizer(model, o);
  }
  StaticQuantOptions o;
  o.observer = args.observer;
  o.per_channel = !args.per_tensor;
  o.act_dtype = args.act_dtype == "u8" ? DType::kUInt8 : DType::kInt8;
  o.reduce_range = args.reduce_range;
  o.reduce_weight_range = args.reduce_weight_range;
  o.exclude = args.exclude;
  if (!args.config.empty()) o.config_json = read_qconfig(args.config);
  o.samples = args.samples;
  o.batch = args.batch;
  o.bias_correction = !args.no_bias_correction;
  o.bias_correction_samples = args.bias_correction_samples;
  o.keep_opset = args.keep_opset;
  o.threads = args.threads;
  auto calib = load_inputs(model, {}, args.calib);
  // names the file when its arrays disagree on the sample count
  OCTET_CHECK(sample_count(calib, args.calib) > 0, args.calib, ": holds no samples to calibrate on");
  check_finite(calib, args.calib);
  o.calib_layout = parse_data_layout(args.layout);
  resolve_data_layout(model, calib, o.calib_layout, args.calib);  // names the file if the ranks contradict it
  o.progress = progress;
  return static_layer_quantizer(model, std::move(calib), o);
}

}  // namespace octet::cli
