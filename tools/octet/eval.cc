// octet eval MODEL --data DATA --labels FILE.npy [--batch N] [--data-layout L] [--threads N]: top-1
// accuracy of a classifier (argmax over axis 1 of its first output; for stacked data, one call per
// sample, argmax over the whole output).
#include <cstdio>

#include "commands.h"
#include "inputs.h"
#include "load_model.h"
#include "octet/accuracy.h"
#include "octet/samples.h"
#include "progress.h"

namespace octet::cli {

std::function<int()> add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "top-1 accuracy of a classifier on labelled data");
  struct Args {
    std::string model, data, labels, layout = "auto";
    int64_t batch = 100;
    int threads = 1;
    bool reference = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("--data", args->data, ".npz keyed by input name, or .npy for a single-input model")->required();
  cmd->add_option("--labels", args->labels, ".npy of integer class labels, one per sample")->required();
  cmd->add_option("--batch", args->batch, "samples per inference")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--data-layout", args->layout,
                  "axis 0 of DATA: the model's batch axis (batched), whole inputs stacked, one call each (stacked), or "
                  "as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_flag("--reference", args->reference,
                "run the graph as written: a quantized model's float QDQ reference, not the INT8 kernels; an fp32 "
                "model without optimize_for_inference");
  return [args] {
    Graph g = load_model(args->model, args->reference);
    EvalData eval{.data = load_inputs(g, {}, args->data),
                  .layout = parse_data_layout(args->layout),
                  .batch = args->batch,
                  .threads = args->threads,
                  .data_name = args->data,
                  .labels_name = args->labels};
    const int64_t n = sample_count(eval.data, args->data);
    OCTET_CHECK(n > 0, args->data, ": holds no samples to evaluate");
    eval.labels = load_labels(args->labels, n);
    Progress progress("eval", n);
    const Top1 top1 = count_top1(g, eval, [&](int64_t done) { progress.update(done); });
    std::printf("top-1: %.2f%% (%lld/%lld)\n", top1.percent(), static_cast<long long>(top1.correct),
                static_cast<long long>(top1.samples));
    return 0;
  };
}

}  // namespace octet::cli
