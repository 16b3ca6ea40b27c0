// octet inspect MODEL [--json] [--dim SYMBOL=N]: the graph as a table, with totals.
#include <iostream>

#include "commands.h"
#include "inputs.h"
#include "ir/printer.h"
#include "octet/runtime.h"
#include "load_model.h"

namespace octet::cli {

namespace {

// Shapes of every value: declared/inferred ones first, then exact ones from a probe run on
// synthesized inputs (unknown dims bound by --dim, else 1). A model that cannot run (e.g. an
// unsupported op) is still inspected, with the declared shapes; `note` says why.
std::map<std::string, ValueType> value_types(const Graph& g, const std::map<std::string, int64_t>& dims,
                                             std::string* note) {
  std::map<std::string, ValueType> types;
  auto add_declared = [&](const ValueInfo& v) {
    if (!v.has_shape) return;
    ValueType t{v.dtype, {}};
    for (const Dim& d : v.shape) t.shape.push_back(d.value);
    types[v.name] = t;
  };
  for (const auto& v : g.inputs) add_declared(v);
  for (const auto& v : g.outputs) add_declared(v);
  for (const auto& [name, v] : g.value_info) add_declared(v);
  for (const auto& [name, t] : g.initializers) types[name] = {t.dtype(), t.shape()};
  try {
    Executor exec(g);
    exec.add_hook([&](const Node*, const std::string& name, const Tensor& t) { types[name] = {t.dtype(), t.shape()}; });
    exec.run(synthesize_inputs(g, bind_input_shapes(g, dims, 1)));
    *note = "shapes from a probe run with unknown dims = 1 (bind them with --dim SYMBOL=N)";
  } catch (const Error& e) {
    *note = std::string("shapes as declared in the model (a probe run failed: ") + e.what() + ")";
  }
  return types;
}

}  // namespace

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
    std::string note;
    auto types = value_types(g, parse_dims(args->dims), &note);
    if (args->json) {
      auto j = graph_to_json(g, types);
      j["model"] = args->model;
      j["shapes_note"] = note;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "model: " << args->model << "\n" << format_graph_table(g, types) << "(" << note << ")\n";
    }
    return 0;
  };
}

}  // namespace octet::cli
