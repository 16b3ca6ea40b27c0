// octet eval MODEL --data DATA --labels FILE.npy [--batch N] [--threads N]: top-1 accuracy of a
// classifier (argmax over axis 1 of its first output).
#include <cstdio>

#include "commands.h"
#include "core/npy.h"
#include "inputs.h"
#include "octet/runtime.h"
#include "load_model.h"
#include "progress.h"

namespace octet::cli {

namespace {

// Index of the largest logit of each row of a [N, C, ...] output (first of equal maxima).
std::vector<int64_t> argmax_rows(const Tensor& logits, const std::string& name) {
  OCTET_CHECK(logits.rank() >= 2, "output '", name, "' has shape ", shape_str(logits.shape()),
              "; top-1 needs [samples, classes]");
  int64_t n = logits.dim(0), c = logits.numel() / n;
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < c; ++j)
      if (logits.as_double(i * c + j) > logits.as_double(i * c + best)) best = j;
    out[i] = best;
  }
  return out;
}

}  // namespace

std::function<int()> add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "top-1 accuracy of a classifier on labelled data");
  struct Args {
    std::string model, data, labels;
    int64_t batch = 100;
    int threads = 1;
    bool reference = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("--data", args->data, ".npz keyed by input name, or .npy for a single-input model")->required();
  cmd->add_option("--labels", args->labels, ".npy of integer class labels, one per sample")->required();
  cmd->add_option("--batch", args->batch, "samples per inference")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_flag("--reference", args->reference, "run the graph as written: a quantized model's float QDQ reference, not the INT8 kernels; an fp32 model without optimize_for_inference");
  return [args] {
    Graph g = load_model(args->model, args->reference);
    auto data = load_inputs(g, {}, args->data);
    int64_t n = sample_count(data, args->data);
    Tensor labels = read_npy(args->labels);
    OCTET_CHECK(labels.rank() == 1 && labels.dim(0) == n, args->labels, ": expected ", n, " labels (shape [", n,
                "]), got shape ", shape_str(labels.shape()));
    Executor exec(g, {.threads = args->threads});
    const std::string& out_name = g.outputs.at(0).name;
    int64_t correct = 0;
    Progress progress("eval", n);
    for (int64_t b = 0; b < n; b += args->batch) {
      int64_t e = std::min(n, b + args->batch);
      auto pred = argmax_rows(exec.run(slice_samples(data, b, e)).at(out_name), out_name);
      OCTET_CHECK(static_cast<int64_t>(pred.size()) == e - b, "output '", out_name, "' has ", pred.size(),
                  " rows for ", e - b, " samples");
      for (int64_t i = b; i < e; ++i) correct += pred[i - b] == labels.as_int64(i);
      progress.update(e);
    }
    std::printf("top-1: %.2f%% (%lld/%lld)\n", 100.0 * correct / n, static_cast<long long>(correct),
                static_cast<long long>(n));
    return 0;
  };
}

}  // namespace octet::cli
