// octet inspect MODEL [--json] [--dim SYMBOL=N]: the graph as a table, with totals. Exit 1 when a
// probe run on synthesized inputs fails (the model does not run), after printing the table.
// octet inspect --qparams MODEL [--data DATA] [--json]: the quantized tensors' parameters and what
// looks wrong with them (docs/debugging.md); with DATA, the QDQ graph as written runs on it.
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands.h"
#include "debug_report.h"
#include "inputs.h"
#include "load_model.h"
#include "octet/data_layout.h"
#include "octet/debug.h"
#include "octet/printer.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "progress.h"
#include "runs_on.h"

namespace octet::cli {

namespace {

constexpr int64_t kBatch = 100;  // samples per run over DATA (batched layouts)

// Runs the QDQ graph on every sample of `data_file` with `check` watching.
void observe_data(const Graph& g, QParamsCheck& check, const std::string& data_file) {
  auto data = load_inputs(g, {}, data_file);
  const int64_t n = sample_count(data, data_file);
  OCTET_CHECK(n > 0, data_file, ": holds no samples");
  const DataLayout layout = resolve_data_layout(g, data, DataLayout::kAuto, data_file);
  const int64_t batch = layout == DataLayout::kStacked ? 1 : kBatch;
  Executor exec(g);
  check.attach(exec);
  Progress progress("observe", n);
  for (int64_t b = 0; b < n; b += batch) {
    try {
      exec.run(sample_feeds(data, layout, b, std::min(n, b + batch)));
    } catch (const Error& e) {
      fail(data_file, ": ", e.what());  // a shape or dtype the model does not take: name the file
    }
    progress.update(std::min(n, b + batch));
  }
}

int inspect_qparams(const std::string& model, const std::string& data_file, bool json) {
  Graph g = load_model(model, true);
  if (!is_quantized(g)) {
    std::cout << model << ": no QuantizeLinear or DequantizeLinear nodes: nothing quantized to check\n";
    return 0;
  }
  QParamsCheck check(g);
  if (!data_file.empty()) observe_data(g, check, data_file);
  const std::vector<QTensorReport> reports = check.report();
  if (json) {
    nlohmann::json j = qparams_json(reports);
    j["model"] = model;
    j["data"] = data_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(data_file);
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "model: " << model << (data_file.empty() ? "" : ", data: " + data_file) << "\n"
              << format_qparams_table(reports);
  }
  return 0;
}

}  // namespace

std::function<int()> add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "print the graph as a table: nodes, shapes, qparams, totals");
  struct Args {
    std::string model;
    bool json = false, lowered = false, qparams = false;
    std::vector<std::string> dims;
    std::string data;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  cmd->add_flag("--lowered", args->lowered,
                "show the model as it runs: a quantized one lowered onto the INT8 kernels, an fp32 one after "
                "optimize_for_inference");
  cmd->add_option("--dim", args->dims, "bind a symbolic input dim for the shape probe: SYMBOL=N");
  auto* qparams = cmd->add_flag("--qparams", args->qparams,
                                "check the quantized tensors' scales and zero points (docs/debugging.md)")
                      ->excludes("--lowered");
  cmd->add_option("--data", args->data,
                  "with --qparams: run the QDQ model on this .npz (or .npy) and compare the data with the ranges")
      ->needs(qparams);
  return [args] {
    if (args->qparams) return inspect_qparams(args->model, args->data, args->json);
    Graph g = load_model(args->model, !args->lowered);
    std::string note, run_error;
    auto types = probe_value_types(g, parse_dims(args->dims), &note, &run_error);
    if (args->json) {
      auto j = nlohmann::json::parse(graph_to_json(g, types));
      j["model"] = args->model;
      j["shapes_note"] = note;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "model: " << args->model << "\n" << format_graph_table(g, types) << "(" << note << ")\n";
      if (args->lowered) std::cout << lowering_summary(g, types);
    }
    // The table is printed either way, to show where; a model that does not run is still an error.
    OCTET_CHECK(run_error.empty(), args->model, ": the model does not run: ", run_error);
    return 0;
  };
}

}  // namespace octet::cli
