// octet eval MODEL --data DATA --labels FILE.npy [--batch N] [--data-layout L] [--threads N]: top-1
// accuracy of a classifier (argmax over axis 1 of its first output; for stacked data, one call per
// sample, argmax over the whole output).
#include <cstdio>
#include <vector>

#include "commands.h"
#include "core/npy.h"
#include "core/samples.h"
#include "inputs.h"
#include "octet/data_layout.h"
#include "octet/runtime.h"
#include "load_model.h"
#include "progress.h"

namespace octet::cli {

namespace {

bool is_integer(DType t) {
  switch (t) {
    case DType::kInt8: case DType::kUInt8: case DType::kInt16: case DType::kUInt16: case DType::kInt32:
    case DType::kUInt32: case DType::kInt64: case DType::kUInt64: return true;
    default: return false;
  }
}

// Index of the largest logit of each row of a [N, C, ...] output (first of equal maxima).
std::vector<int64_t> argmax_rows(const Tensor& logits, const std::string& name, int64_t* classes) {
  OCTET_CHECK(logits.rank() >= 2 && logits.dim(0) > 0, "output '", name, "' has shape ", shape_str(logits.shape()),
              "; top-1 needs [samples, classes]");
  int64_t n = logits.dim(0), c = logits.numel() / n;
  *classes = c;
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
  cmd->add_option("--data-layout", args->layout, "axis 0 of DATA: the model's batch axis (batched), whole inputs stacked, one call each (stacked), or as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_flag("--reference", args->reference, "run the graph as written: a quantized model's float QDQ reference, not the INT8 kernels; an fp32 model without optimize_for_inference");
  return [args] {
    Graph g = load_model(args->model, args->reference);
    auto data = load_inputs(g, {}, args->data);
    int64_t n = sample_count(data, args->data);
    OCTET_CHECK(n > 0, args->data, ": holds no samples to evaluate");
    Tensor labels = read_npy(args->labels);
    OCTET_CHECK(is_integer(labels.dtype()), args->labels, ": labels must be integer class indices, not ",
                dtype_name(labels.dtype()));
    OCTET_CHECK(labels.rank() == 1 && labels.dim(0) == n, args->labels, ": expected ", n, " labels (shape [", n,
                "]), got shape ", shape_str(labels.shape()));
    std::vector<int64_t> label_of(n);
    for (int64_t i = 0; i < n; ++i) {
      try {
        label_of[i] = labels.as_int64(i);
      } catch (const Error& e) {
        fail(args->labels, ": ", e.what());  // a uint64 label past INT64_MAX
      }
    }
    const DataLayout layout = resolve_data_layout(g, data, parse_data_layout(args->layout), args->data);
    const int64_t batch = layout == DataLayout::kStacked ? 1 : args->batch;
    Executor exec(g, {.threads = args->threads});
    const std::string& out_name = g.outputs.at(0).name;
    int64_t correct = 0;
    Progress progress("eval", n);
    for (int64_t b = 0; b < n; b += batch) {
      int64_t e = std::min(n, b + batch);
      Tensor logits = exec.run(sample_feeds(data, layout, b, e)).at(out_name);
      if (layout == DataLayout::kStacked) logits = logits.reshaped({1, logits.numel()});  // one sample's scores
      int64_t classes = 0;
      auto pred = argmax_rows(logits, out_name, &classes);
      OCTET_CHECK(static_cast<int64_t>(pred.size()) == e - b, "output '", out_name, "' has ", pred.size(),
                  " rows for ", e - b, " samples");
      if (b == 0)  // the first output tells the class count: every label is checked before going on
        for (int64_t i = 0; i < n; ++i) {
          const int64_t label = label_of[i];
          OCTET_CHECK(label >= 0 && label < classes, args->labels, ": label ", i, " is ", label, "; the model has ",
                      classes, " classes (0 to ", classes - 1, ")");
        }
      for (int64_t i = b; i < e; ++i) correct += pred[i - b] == label_of[i];
      progress.update(e);
    }
    std::printf("top-1: %.2f%% (%lld/%lld)\n", 100.0 * correct / n, static_cast<long long>(correct),
                static_cast<long long>(n));
    return 0;
  };
}

}  // namespace octet::cli
