// octet inspect MODEL [--json] [--dim SYMBOL=N]: the graph as a table, with totals. Exit 1 when a
// probe run on synthesized inputs fails (the model does not run), after printing the table.
#include <iostream>

#include "commands.h"
#include "inputs.h"
#include "ir/printer.h"
#include "octet/runtime.h"
#include "load_model.h"
#include "runs_on.h"

namespace octet::cli {

std::function<int()> add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "print the graph as a table: nodes, shapes, qparams, totals");
  struct Args {
    std::string model;
    bool json = false, lowered = false;
    std::vector<std::string> dims;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  cmd->add_flag("--lowered", args->lowered, "show the model as it runs: a quantized one lowered onto the INT8 kernels, an fp32 one after optimize_for_inference");
  cmd->add_option("--dim", args->dims, "bind a symbolic input dim for the shape probe: SYMBOL=N");
  return [args] {
    Graph g = load_model(args->model, !args->lowered);
    std::string note, run_error;
    auto types = probe_value_types(g, parse_dims(args->dims), &note, &run_error);
    if (args->json) {
      auto j = graph_to_json(g, types);
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
