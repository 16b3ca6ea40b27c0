// octet compare FLOAT.onnx QUANT.onnx --data DATA [--json] [--top N] [--samples N] [--batch N]
// [--data-layout L] [--threads N]: the quantized model's error layer by layer, worst first
// (include/octet/debug.h, docs/debugging.md).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "compare_args.h"
#include "inputs.h"
#include "octet/debug.h"
#include "octet/model.h"
#include "progress.h"

namespace octet::cli {

namespace {

std::string fixed(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string general(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The weakest weight of a layer: "38.1 (ch 3: 30.2)", or "-" for a layer without one.
std::string weight_cell(const LayerError& l) {
  const WeightError* worst = weakest_weight(l);
  if (!worst) return "-";
  return fixed(worst->sqnr_db, 1) + " (ch " + std::to_string(worst->worst_channel) + ": " +
         fixed(worst->channel_sqnr_db[worst->worst_channel], 1) + ")";
}

// Long node names keep their end, which names the layer ("/encoder/.../query/MatMul").
std::string fit(const std::string& s, size_t width) {
  return s.size() <= width ? s : "..." + s.substr(s.size() - (width - 3));
}

void print_table(const Comparison& c, size_t rows) {
  size_t name_w = 5, op_w = 2;
  for (size_t i = 0; i < rows; ++i) {
    name_w = std::max(name_w, std::min<size_t>(c.layers[i].name.size(), 48));
    op_w = std::max(op_w, c.layers[i].op.size());
  }
  char buf[512];
  auto row = [&](const std::string& n, const std::string& name, const std::string& op, const std::string& cells) {
    std::snprintf(buf, sizeof buf, "%4s  %-*s  %-*s  %s\n", n.c_str(), static_cast<int>(name_w), name.c_str(),
                  static_cast<int>(op_w), op.c_str(), cells.c_str());
    std::cout << buf;
  };
  auto cells = [&](const std::string& a, const std::string& b, const std::string& c2, const std::string& d,
                   const std::string& e, const std::string& f, const std::string& g) {
    std::snprintf(buf, sizeof buf, "%7s %7s   %8s %8s   %9s %9s   %s", a.c_str(), b.c_str(), c2.c_str(), d.c_str(),
                  e.c_str(), f.c_str(), g.c_str());
    return std::string(buf);
  };
  row("", "", "", cells("SQNR dB", "", "cosine", "", "max|err|", "", "weight SQNR dB"));
  row("#", "layer", "op", cells("isol.", "accum.", "isol.", "accum.", "isol.", "accum.", "(worst channel)"));
  for (size_t i = 0; i < rows; ++i) {
    const LayerError& l = c.layers[i];
    row(std::to_string(i + 1), fit(l.name, name_w), l.op,
        cells(fixed(l.isolated.sqnr_db, 1), fixed(l.accumulated.sqnr_db, 1), fixed(l.isolated.cosine, 5),
              fixed(l.accumulated.cosine, 5), general(l.isolated.max_abs_err), general(l.accumulated.max_abs_err),
              weight_cell(l)));
  }
}

nlohmann::json to_json(const Comparison& c, size_t rows) {
  // JSON has no infinity: nlohmann writes inf and NaN as null (identical values give inf).
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < rows; ++i) {
    const LayerError& l = c.layers[i];
    nlohmann::json weights = nlohmann::json::array();
    for (const WeightError& w : l.weights)
      weights.push_back({{"name", w.name},
                         {"axis", w.axis},
                         {"sqnr_db", w.sqnr_db},
                         {"worst_channel", w.worst_channel},
                         {"channel_sqnr_db", w.channel_sqnr_db}});
    layers.push_back({{"name", l.name},
                      {"op", l.op},
                      {"tensor", l.tensor},
                      {"sqnr_db", l.isolated.sqnr_db},
                      {"sqnr_db_accumulated", l.accumulated.sqnr_db},
                      {"cosine", l.isolated.cosine},
                      {"cosine_accumulated", l.accumulated.cosine},
                      {"max_abs_err", l.isolated.max_abs_err},
                      {"max_abs_err_accumulated", l.accumulated.max_abs_err},
                      {"quantized_nodes", l.quantized_nodes},
                      {"weights", weights}});
  }
  return {{"samples", c.samples},
          {"quantized_run", c.quantized_run},
          {"layers", layers},
          {"mismatches", c.mismatches},
          {"warnings", c.warnings}};
}

}  // namespace

std::function<int()> add_compare(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("compare", "the quantized model's error layer by layer against its float model, worst first");
  struct Args {
    CompareArgs pair;
    bool json = false;
    int64_t top = 0;
  };
  auto args = std::make_shared<Args>();
  add_compare_args(cmd, args->pair);
  cmd->add_flag("--json", args->json, "print JSON: {\"layers\": [...]} lowest isolated SQNR first");
  cmd->add_option("--top", args->top, "show only the N worst layers (0: all)")->check(CLI::NonNegativeNumber);
  return [args] {
    const Graph float_model = load_onnx(args->pair.float_model);
    const Graph quantized = load_onnx(args->pair.quantized_model);
    const auto data = load_inputs(float_model, {}, args->pair.data);
    Progress progress("compare", 0);
    const CompareOptions options =
        compare_options(args->pair, [&](int64_t done, int64_t total) { progress.update(done, total); });
    const Comparison c = compare_models(float_model, quantized, data, options);
    const size_t rows = args->top > 0 ? std::min<size_t>(args->top, c.layers.size()) : c.layers.size();
    if (args->json) {
      auto j = to_json(c, rows);
      j["float_model"] = args->pair.float_model;
      j["quantized_model"] = args->pair.quantized_model;
      j["data"] = args->pair.data;
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << "compare: " << args->pair.float_model << " vs " << args->pair.quantized_model << " on " << c.samples
              << " samples of " << args->pair.data << " (the quantized model runs " << c.quantized_run << ")\n"
              << "isol.: each layer fed the float model's inputs (its own error); accum.: the whole quantized "
                 "model (error carried from upstream)\n";
    print_table(c, rows);
    if (rows < c.layers.size()) std::cout << "(" << c.layers.size() - rows << " more layers: --top 0 shows all)\n";
    for (const auto& m : c.mismatches) std::cout << "not compared: " << m << "\n";
    for (const auto& w : c.warnings) std::cout << "warning: " << w << "\n";
    if (!c.layers.empty())
      std::cout << "worst layer: " << c.layers.front().name << " (isolated SQNR "
                << fixed(c.layers.front().isolated.sqnr_db, 1) << " dB)\n";
    return 0;
  };
}

}  // namespace octet::cli
