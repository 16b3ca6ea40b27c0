// octet report FLOAT.onnx QUANT.onnx --data DATA -o report.html [--samples N] [--batch N]
// [--data-layout L] [--threads N]: one self-contained HTML page of the debugging views
// (octet/report.h, docs/debugging.md "The HTML report"), written atomically.
#include <iostream>
#include <limits>

#include "cli_flags.h"
#include "commands.h"
#include "compare_args.h"
#include "inputs.h"
#include "octet/io.h"
#include "octet/model.h"
#include "octet/quantize.h"
#include "octet/report.h"
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
  auto* cmd = app.add_subcommand("report",
                                 "one self-contained HTML page: layer SQNR, activation histograms, weight "
                                 "ranges, qparams flags, float ops");
  struct Args {
    CompareArgs pair;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  add_compare_args(cmd, args->pair);
  cmd->add_option("-o,--out", args->out, "the HTML file to write")->required();
  return [args] {
    std::vector<std::string> float_files, quantized_files;
    const Graph float_model = load_onnx(args->pair.float_model, &float_files);
    const Graph quantized = load_onnx(args->pair.quantized_model, &quantized_files);
    std::vector<std::string> inputs = float_files;
    inputs.insert(inputs.end(), quantized_files.begin(), quantized_files.end());
    inputs.push_back(args->pair.data);
    check_output_path(args->out, inputs);
    const auto data = load_inputs(float_model, {}, args->pair.data);
    Progress progress("report", 0);
    const CompareOptions options =
        compare_options(args->pair, [&](int64_t done, int64_t total) { progress.update(done, total); });
    ReportData report = collect_report_data(float_model, quantized, data, options);
    report.float_bytes = static_cast<int64_t>(bytes_on_disk(float_files));
    report.quantized_bytes = static_cast<int64_t>(bytes_on_disk(quantized_files));
    report.kernel_coverage = kernel_coverage(quantized);
    write_file_atomic(args->out, with_cli_flags(html_report(report)));
    std::cout << "report: " << args->out << " (" << report.comparison.layers.size() << " layers, "
              << report.histograms.size() << " activation histograms, on " << report.comparison.samples
              << " samples of " << args->pair.data << ")\n";
    return 0;
  };
}

}  // namespace octet::cli
