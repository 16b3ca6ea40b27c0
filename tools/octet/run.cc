// octet run MODEL -i NAME=FILE.npy ... [--data FILE] [--data-layout L] [-o OUT.npz] [--threads N]
// Batched inputs run in one call; stacked ones (octet/data_layout.h) one call per sample, with the
// outputs stacked along axis 0. --stats: how often each quantized tensor saturated (docs/debugging.md).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "debug_report.h"
#include "inputs.h"
#include "load_model.h"
#include "octet/data_layout.h"
#include "octet/debug.h"
#include "octet/io.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet::cli {

namespace {

std::string describe_output(const std::string& name, const Tensor& t) {
  std::string s = name + ": " + dtype_name(t.dtype()) + " " + shape_str(t.shape());
  if (t.numel() == 0 || t.dtype() == DType::kBool) return s;
  double lo = t.as_double(0), hi = lo, sum = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.as_double(i);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "  min %.6g  max %.6g  mean %.6g", lo, hi, sum / t.numel());
  s += buf;
  std::string head = "  [";
  for (int64_t i = 0; i < std::min<int64_t>(t.numel(), 6); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", t.as_double(i));
    head += buf;
  }
  return s + head + (t.numel() > 6 ? ", ...]" : "]");
}

}  // namespace

std::function<int()> add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "run a model on inputs from .npy/.npz files");
  struct Args {
    std::string model, data, out, layout = "auto";
    std::vector<std::string> inputs;
    int threads = 1;
    bool reference = false, stats = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-i,--input", args->inputs, "an input: NAME=FILE.npy (repeatable)");
  cmd->add_option("--data", args->data, "inputs as .npz keyed by input name, or .npy for a single-input model");
  cmd->add_option("--data-layout", args->layout,
                  "axis 0 of the inputs: the model's batch axis (batched), whole inputs stacked, one call each "
                  "(stacked), or as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("-o,--output", args->out, "write the outputs to this .npz");
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_flag("--reference", args->reference,
                "run the graph as written: a quantized model's float QDQ reference, not the INT8 kernels; an fp32 "
                "model without optimize_for_inference");
  cmd->add_flag("--stats", args->stats,
                "after the outputs, the share of each quantized tensor's values that saturated at qmin and at qmax");
  return [args] {
    std::vector<std::string> input_files;
    if (!args->data.empty()) input_files.push_back(args->data);
    for (const auto& pair : args->inputs) input_files.push_back(pair.substr(pair.find('=') + 1));
    Graph g = load_model(args->model, args->reference, &input_files);
    if (!args->out.empty()) check_output_path(args->out, input_files);
    auto feeds = load_inputs(g, args->inputs, args->data);
    const std::string source = args->data.empty() ? "the -i inputs" : args->data;
    const DataLayout layout = resolve_data_layout(g, feeds, parse_data_layout(args->layout), source);
    Executor exec(g, {.threads = args->threads});
    SaturationStats stats(g);
    if (args->stats) stats.attach(exec);
    std::map<std::string, Tensor> outputs;
    if (layout == DataLayout::kStacked) {
      std::vector<std::map<std::string, Tensor>> per_sample;
      for (int64_t i = 0, n = sample_count(feeds, source); i < n; ++i)
        per_sample.push_back(exec.run(sample_feeds(feeds, layout, i, i + 1)));
      outputs = stack_results(per_sample);
      OCTET_CHECK(!outputs.empty(), source, ": holds no samples");
    } else {
      outputs = exec.run(feeds);
    }
    if (!args->out.empty()) write_npz(args->out, outputs);
    for (const auto& out : g.outputs) std::cout << describe_output(out.name, outputs.at(out.name)) << "\n";
    if (!args->out.empty()) std::cout << "wrote " << args->out << "\n";
    if (args->stats && stats.empty())
      std::cout << "stats: " << args->model << " has no quantized tensors with a fixed range: nothing can saturate\n";
    else if (args->stats) std::cout << format_saturation_table(stats.worst_first());
    return 0;
  };
}

}  // namespace octet::cli
