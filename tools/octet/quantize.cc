// octet quantize MODEL -o OUT.onnx --mode static|dynamic ...: post-training quantization to the
// QDQ form (docs/quantization.md), with a summary of what was quantized.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "core/file_io.h"
#include "core/samples.h"
#include "inputs.h"
#include "octet/quantize.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "progress.h"
#include "runs_on.h"

namespace octet::cli {

namespace {

struct Args {
  std::string model, out, mode, calib, observer = "histogram", act_dtype = "u8", config, layout = "auto";
  std::vector<std::string> exclude, ops;
  bool per_tensor = false, per_token = false, reduce_range = false, no_bias_correction = false;
  int64_t samples = -1, batch = 32, bias_correction_samples = 128;
  int threads = 1;
};

// The float constants left in the file, largest first, with the node reading each and its reason.
void print_float_tensors(const std::vector<FloatTensor>& tensors) {
  if (tensors.empty()) return;
  int64_t total = 0;
  for (const FloatTensor& t : tensors) total += t.bytes;
  std::printf("float tensors: %zu of 1 KiB or more, %.1f KiB%s\n", tensors.size(), total / 1024.0,
              tensors.size() > 8 ? "; the 8 largest:" : "");
  for (size_t i = 0; i < tensors.size() && i < 8; ++i) {
    const FloatTensor& t = tensors[i];
    std::printf("  %s %s %.1f KiB: read by %s%s\n", t.name.c_str(), shape_str(t.shape).c_str(), t.bytes / 1024.0,
                t.reader.c_str(), t.why.empty() ? "" : (" (" + t.why + ")").c_str());
  }
}

// What the quantizer did, then how the model runs in octet (lowered onto the INT8 kernels): the
// share of the work on them and every float op with the quantizer's reason for it.
void print_summary(const Graph& in, const Graph& out, const QuantizeReport& r, const std::string& path,
                   uintmax_t in_bytes) {
  std::printf("quantized %zu nodes, kept %zu in float\n", r.quantized_nodes.size(), r.float_nodes.size());
  std::map<std::string, std::string> reasons;
  for (const std::string& line : r.float_nodes)
    if (size_t colon = line.find(": "); colon != std::string::npos) reasons[line.substr(0, colon)] = line.substr(colon + 2);
  const Graph lowered = lower(out);
  std::string note;
  std::printf("%s", lowering_summary(lowered, probe_value_types(lowered, {}, &note), reasons).c_str());
  std::printf("weights: %.1f KiB fp32 -> %.1f KiB quantized (%.2fx smaller)\n", r.fp32_weight_bytes / 1024.0,
              r.quantized_weight_bytes / 1024.0,
              r.quantized_weight_bytes ? double(r.fp32_weight_bytes) / r.quantized_weight_bytes : 0.0);
  print_float_tensors(r.float_tensors);
  const uintmax_t out_bytes = bytes_on_disk({path});
  std::printf("file: %.2f MB -> %.2f MB (%.2fx of fp32)\n", in_bytes / 1e6, out_bytes / 1e6,
              in_bytes ? double(out_bytes) / in_bytes : 0.0);
  std::printf("nodes: %zu -> %zu; wrote %s\n", in.nodes.size(), out.nodes.size(), path.c_str());
}

}  // namespace

std::function<int()> add_quantize(CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "post-training quantization to an INT8 (QDQ) ONNX model");
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "fp32 ONNX model")->required();
  cmd->add_option("-o,--output", args->out, "output .onnx (QDQ form)")->required();
  cmd->add_option("--mode", args->mode, "static (calibrated activations) or dynamic (run-time activations)")
      ->required()
      ->check(CLI::IsMember({"static", "dynamic"}));
  cmd->add_option("--calib", args->calib, "static: calibration DATA (.npz keyed by input name, or .npy)");
  auto* layout_opt = cmd->add_option("--data-layout", args->layout, "static: axis 0 of the calibration DATA: the model's batch axis (batched), whole inputs stacked, one call each (stacked), or as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--observer", args->observer, "static: activation observer")
      ->check(CLI::IsMember({"minmax", "moving_average", "histogram", "percentile", "entropy", "mse"}));
  cmd->add_flag("--per-tensor", args->per_tensor, "one weight scale per tensor instead of per output channel");
  cmd->add_option("--act-dtype", args->act_dtype, "static: activation type")->check(CLI::IsMember({"u8", "s8"}));
  cmd->add_flag("--reduce-range", args->reduce_range, "7-bit activations (PyTorch x86's reduce_range)");
  cmd->add_option("--exclude", args->exclude, "node names kept in float")->delimiter(',');
  cmd->add_option("--config", args->config, "static: qconfig mapping (JSON, see docs/quantization.md)");
  cmd->add_option("--samples", args->samples, "static: calibration samples used (default: all)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--batch", args->batch, "static: calibration batch size")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_flag("--no-bias-correction", args->no_bias_correction,
                "static: keep the biases as calibrated (no passes moving each layer's mean error into its bias)");
  auto* bc_samples = cmd->add_option("--bias-correction-samples", args->bias_correction_samples,
                  "static: calibration samples the bias correction runs (default 128)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_flag("--per-token", args->per_token, "dynamic: quantize activations per row instead of per tensor");
  cmd->add_option("--ops", args->ops, "dynamic: op types to quantize (default MatMul,Gemm,LSTM,GRU,Gather; Gather: embedding tables)")->delimiter(',');
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  return [args, bc_samples, layout_opt] {
    const bool is_static = args->mode == "static";
    auto usage = [](const std::string& what) {
      throw CLI::ValidationError("quantize", what);
    };
    if (is_static && args->calib.empty()) usage("--mode static needs --calib DATA");
    if (!is_static && !args->calib.empty()) usage("--calib is for --mode static");
    if (is_static && (args->per_token || !args->ops.empty())) usage("--per-token and --ops are for --mode dynamic");
    if (!is_static && (args->no_bias_correction || bc_samples->count() || layout_opt->count()))
      usage("--no-bias-correction, --bias-correction-samples and --data-layout are for --mode static");
    std::vector<std::string> read = {args->calib, args->config};
    Graph g = load_onnx(args->model, &read);
    check_output_path(args->out, read);
    QuantizeReport report;
    Graph q;
    if (is_static) {
      StaticQuantOptions o;
      o.observer = args->observer;
      o.per_channel = !args->per_tensor;
      o.act_dtype = args->act_dtype == "u8" ? DType::kUInt8 : DType::kInt8;
      o.reduce_range = args->reduce_range;
      o.exclude = args->exclude;
      if (!args->config.empty()) {
        o.config_json = read_file(args->config);
        OCTET_CHECK(o.config_json.find_first_not_of(" \t\r\n") != std::string::npos, args->config,
                    ": the qconfig file is empty (docs/quantization.md shows the format)");
      }
      o.samples = args->samples;
      o.batch = args->batch;
      o.bias_correction = !args->no_bias_correction;
      o.bias_correction_samples = args->bias_correction_samples;
      o.threads = args->threads;
      auto calib = load_inputs(g, {}, args->calib);
      // names the file when its arrays disagree on the sample count
      OCTET_CHECK(sample_count(calib, args->calib) > 0, args->calib, ": holds no samples to calibrate on");
      check_finite(calib, args->calib);
      o.calib_layout = parse_data_layout(args->layout);
      resolve_data_layout(g, calib, o.calib_layout, args->calib);  // names the file if the ranks contradict it
      Progress progress("calibrate", 0);
      o.progress = [&](int64_t done, int64_t total) { progress.update(done, total); };
      q = quantize_static(g, calib, o, &report);
    } else {
      DynamicQuantOptions o;
      o.per_channel = !args->per_tensor;
      o.per_token = args->per_token;
      o.reduce_range = args->reduce_range;
      if (!args->ops.empty()) o.op_types = args->ops;
      o.exclude = args->exclude;
      q = quantize_dynamic(g, o, &report);
    }
    save_onnx(q, args->out);
    print_summary(g, q, report, args->out, bytes_on_disk({read.begin() + 2, read.end()}));  // model + external data
    return 0;
  };
}

}  // namespace octet::cli
