// octet sensitivity MODEL --mode static|dynamic [--calib DATA] --data EVAL [--labels L | --metric cosine] [--json]
// and quantize's qconfig options: per layer, the score with only that layer quantized and with
// only that layer in float, most harmful first (octet/accuracy.h, docs/debugging.md).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "inputs.h"
#include "octet/accuracy.h"
#include "octet/model.h"
#include "octet/samples.h"
#include "progress.h"
#include "quantize_options.h"

namespace octet::cli {

std::function<int()> add_sensitivity(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sensitivity", "per layer: the score with only it quantized and with only it in float, most harmful first");
  struct Args {
    std::string model, data, labels, metric;
    QuantizeArgs q;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "fp32 ONNX model")->required();
  cmd->add_option("--data", args->data, "evaluation DATA (.npz keyed by input name, or .npy)")->required();
  cmd->add_option("--labels", args->labels,
                  ".npy of integer class labels, one per sample: score by top-1 (without: by cosine of the first "
                  "output to fp32's)");
  cmd->add_option(
         "--metric", args->metric,
         "top1 (needs --labels; the default with them) or cosine of the first output to fp32's (the default without)")
      ->check(CLI::IsMember({"top1", "cosine"}));
  cmd->add_flag("--json", args->json, "print JSON: {\"layers\": [...]} most harmful first");
  add_quantize_options(cmd, args->q);
  return [args] {
    check_quantize_options(args->q, "sensitivity");
    if (args->metric == "top1" && args->labels.empty())
      throw CLI::ValidationError("sensitivity", "--metric top1 needs --labels FILE.npy");
    if (args->metric == "cosine" && !args->labels.empty())
      throw CLI::ValidationError("sensitivity", "--labels is for --metric top1");
    const Graph g = load_onnx(args->model);
    EvalData eval{.data = load_inputs(g, {}, args->data),
                  .threads = args->q.threads,
                  .data_name = args->data,
                  .labels_name = args->labels};
    const int64_t n = sample_count(eval.data, args->data);
    OCTET_CHECK(n > 0, args->data, ": holds no samples to evaluate on");
    if (!args->labels.empty()) eval.labels = load_labels(args->labels, n);
    const ModelMetric metric(g, eval);
    auto quantizer = make_quantizer(g, args->q, calibration_progress());
    Progress progress("sensitivity", 0);
    const Sensitivity s =
        layer_sensitivity(g, *quantizer, metric, [&](int64_t done, int64_t total) { progress.update(done, total); });
    progress.finish();
    if (args->json) {
      nlohmann::json layers = nlohmann::json::array();
      for (const LayerSensitivity& l : s.layers)
        layers.push_back(
            {{"name", l.name}, {"op", l.op}, {"only_quantized", l.only_quantized}, {"only_float", l.only_float}});
      nlohmann::json j = {{"model", args->model},
                          {"data", args->data},
                          {"metric", metric.by_labels() ? "top1" : "cosine"},
                          {"float", s.float_score},
                          {"quantized", s.quantized_score},
                          {"layers", layers}};
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::printf("on %lld samples of %s\n", static_cast<long long>(n), args->data.c_str());
    std::printf("fp32: %s; every layer quantized: %s (drop %.4g)\n", metric.describe(s.float_score).c_str(),
                metric.describe(s.quantized_score).c_str(), metric.drop(s.quantized_score));
    size_t name_w = 5;
    for (const auto& l : s.layers) name_w = std::max(name_w, std::min<size_t>(l.name.size(), 56));
    const char* unit = metric.by_labels() ? "top-1 %" : "cosine";
    std::printf("%4s  %-*s  %-14s  %18s  %18s\n", "#", static_cast<int>(name_w), "layer", "op", "only it quantized",
                "only it in float");
    std::printf("%4s  %-*s  %-14s  %18s  %18s\n", "", static_cast<int>(name_w), "", "", unit, unit);
    int i = 0;
    for (const LayerSensitivity& l : s.layers) {
      const std::string name = l.name.size() <= name_w ? l.name : "..." + l.name.substr(l.name.size() - (name_w - 3));
      std::printf(metric.by_labels() ? "%4d  %-*s  %-14s  %18.2f  %18.2f\n" : "%4d  %-*s  %-14s  %18.5f  %18.5f\n", ++i,
                  static_cast<int>(name_w), name.c_str(), l.op.c_str(), l.only_quantized, l.only_float);
    }
    return 0;
  };
}

}  // namespace octet::cli
