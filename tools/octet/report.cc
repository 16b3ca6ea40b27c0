// octet report FLOAT.onnx QUANT.onnx --data DATA -o report.html [--samples N] [--batch N]
// [--data-layout L] [--threads N]: one self-contained HTML page of the debugging views
// (debug/html_report.h, docs/debugging.md "The HTML report"), written atomically.
#include <iostream>
#include <limits>

#include "commands.h"
#include "core/file_io.h"
#include "debug/html_report.h"
#include "inputs.h"
#include "octet/quantize.h"
#include "onnx/import.h"
#include "progress.h"
#include "runs_on.h"

namespace octet::cli {

namespace {

// inspect --lowered's summary of the quantized model, every float op named.
std::string kernel_coverage(const Graph& quantized) {
  try {
    const Graph lowered = lower(quantized);
    std::string note;
    return lowering_summary(lowered, probe_value_types(lowered, {}, &note), {}, std::numeric_limits<size_t>::max());
  } catch (const Error& e) {
    return std::string("not known: lowering onto the INT8 kernels failed: ") + e.what();
  }
}

}  // namespace

std::function<int()> add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "one self-contained HTML page: layer SQNR, activation histograms, weight "
                                           "ranges, qparams flags, float ops");
  struct Args {
    std::string float_model, quantized_model, data, out, layout = "auto";
    int64_t samples = -1, batch = 32;
    int threads = 1;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("float_model", args->float_model, "the float ONNX model")->required();
  cmd->add_option("quantized_model", args->quantized_model, "the quantized ONNX model made from it (QDQ or dynamic, by any tool)")->required();
  cmd->add_option("--data", args->data, "inputs: .npz keyed by input name, or .npy for a single-input model")->required();
  cmd->add_option("-o,--out", args->out, "the HTML file to write")->required();
  cmd->add_option("--samples", args->samples, "use the first N samples (default: all)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->batch, "samples per run")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--data-layout", args->layout, "axis 0 of DATA: the model's batch axis (batched), whole inputs stacked, one call each (stacked), or as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  return [args] {
    std::vector<std::string> float_files, quantized_files;
    const Graph float_model = load_onnx(args->float_model, &float_files);
    const Graph quantized = load_onnx(args->quantized_model, &quantized_files);
    std::vector<std::string> inputs = float_files;
    inputs.insert(inputs.end(), quantized_files.begin(), quantized_files.end());
    inputs.push_back(args->data);
    check_output_path(args->out, inputs);
    const auto data = load_inputs(float_model, {}, args->data);
    Progress progress("report", 0);
    CompareOptions options{.batch = args->batch,
                           .samples = args->samples,
                           .layout = parse_data_layout(args->layout),
                           .threads = args->threads,
                           .progress = [&](int64_t done, int64_t total) { progress.update(done, total); },
                           .float_name = args->float_model,
                           .quantized_name = args->quantized_model,
                           .data_name = args->data};
    ReportData report = collect_report_data(float_model, quantized, data, options);
    report.float_bytes = static_cast<int64_t>(bytes_on_disk(float_files));
    report.quantized_bytes = static_cast<int64_t>(bytes_on_disk(quantized_files));
    report.kernel_coverage = kernel_coverage(quantized);
    write_file_atomic(args->out, html_report(report));
    std::cout << "report: " << args->out << " (" << report.comparison.layers.size() << " layers, "
              << report.histograms.size() << " activation histograms, on " << report.comparison.samples
              << " samples of " << args->data << ")\n";
    return 0;
  };
}

}  // namespace octet::cli
