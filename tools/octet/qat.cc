// octet qat MODEL --train DATA --labels LABELS -o OUT.onnx ...: quantization-aware training
// (docs/qat.md), then the QDQ model, with each epoch's loss and accuracy and the INT8 model's.
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "inputs.h"
#include "octet/model.h"
#include "octet/qat.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "progress.h"
#include "quantize_options.h"

namespace octet::cli {

namespace {

struct Args {
  std::string model, out, train, labels, val, val_labels, config, act_dtype = "u8";
  bool per_tensor = false, no_checkpoint = false;
  QatOptions o;
};

Tensor labels_tensor(const std::string& path, int64_t samples) {
  const std::vector<int64_t> v = load_labels(path, samples);
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

std::string percent(double top1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", 100 * top1);
  return buf;
}

// The written model lowered onto the INT8 kernels, as `octet run` runs it: its top-1 on --val.
double int8_top1(const Graph& qdq, const std::map<std::string, Tensor>& val, const Tensor& labels, int threads) {
  Executor exec(lower_or_optimize(qdq), ExecutorOptions{threads});
  const int64_t n = sample_count(val, "--val"), batch = 64;
  int64_t hits = 0;
  for (int64_t b = 0; b < n; b += batch) {
    const int64_t e = std::min(n, b + batch);
    const Tensor logits = exec.run(slice_samples(val, b, e)).at(qdq.outputs.front().name);
    const int64_t c = logits.numel() / logits.dim(0);
    for (int64_t i = 0; i < e - b; ++i) {
      const float* row = logits.data<float>() + i * c;
      hits += std::max_element(row, row + c) - row == labels.as_int64(b + i);
    }
  }
  return static_cast<double>(hits) / static_cast<double>(n);
}

}  // namespace

std::function<int()> add_qat(CLI::App& app) {
  auto* cmd = app.add_subcommand("qat", "quantization-aware training, then an INT8 (QDQ) ONNX model");
  auto args = std::make_shared<Args>();
  QatOptions& o = args->o;
  cmd->add_option("model", args->model, "fp32 ONNX model (output 0: the logits)")->required();
  cmd->add_option("-o,--output", args->out, "output .onnx (QDQ form)")->required();
  cmd->add_option("--train", args->train, "training DATA (.npz keyed by input name, or .npy)")->required();
  cmd->add_option("--labels", args->labels, ".npy of integer class labels of --train, one per sample");
  cmd->add_option("--val", args->val, "validation DATA: top-1 after each epoch and of the INT8 model");
  cmd->add_option("--val-labels", args->val_labels, ".npy of integer class labels of --val");
  cmd->add_option("--epochs", o.epochs, "passes over --train")->check(CLI::Range(1, 100000));
  cmd->add_option("--batch", o.batch, "samples per step")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--lr", o.lr, "base learning rate")->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", o.optimizer, "sgd (with --momentum), adam, or adamw (decoupled weight decay)")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  cmd->add_option("--momentum", o.momentum, "sgd momentum")->check(CLI::Range(0.0, 0.999999));
  cmd->add_option("--weight-decay", o.weight_decay, "L2 weight decay (adamw: decoupled)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--schedule", o.schedule,
                  "learning-rate schedule: constant, step (x --gamma every "
                  "--step-epochs), cosine (to 0 at the last step)")
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  cmd->add_option("--step-epochs", o.step_epochs, "step schedule: epochs between decays")->check(CLI::Range(1, 100000));
  cmd->add_option("--gamma", o.gamma, "step schedule: the factor of each decay")->check(CLI::PositiveNumber);
  cmd->add_option("--freeze-observers-after", o.freeze_observers_after,
                  "activation ranges stop moving after this many epochs (default: never)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--freeze-bn-after", o.freeze_bn_after,
                  "Conv+BatchNormalization: batch statistics until this many epochs, then the running ones "
                  "(0: from the start; default: never)")
      ->check(CLI::Range(0, 100000));
  cmd->add_flag("--learn-scales", o.learn_scales,
                "learn the activation scales and zero points once the observers freeze (LSQ)");
  cmd->add_option("--distill", o.distill,
                  "train against the fp32 model's own outputs instead of --labels: kl "
                  "(softmax outputs), mse (regression heads)")
      ->check(CLI::IsMember({"kl", "mse"}));
  cmd->add_option("--temperature", o.temperature, "--distill kl: softmax temperature")->check(CLI::PositiveNumber);
  cmd->add_option("--observer", o.observer, "activation observer (moving_average, minmax, histogram, ...)");
  cmd->add_flag("--per-tensor", args->per_tensor, "one weight scale per tensor instead of per output channel");
  cmd->add_option("--act-dtype", args->act_dtype, "activation type")->check(CLI::IsMember({"u8", "s8"}));
  cmd->add_option("--exclude", o.exclude, "node names kept in float")->delimiter(',');
  cmd->add_option("--config", args->config, "qconfig mapping (JSON, see docs/quantization.md)");
  cmd->add_option("--seed", o.seed, "the order of the samples (same seed and threads: the same file)");
  cmd->add_option("--threads", o.threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_option("--checkpoint", o.checkpoint, "written after every epoch, atomically (default: OUT.ckpt.npz)");
  cmd->add_flag("--no-checkpoint", args->no_checkpoint, "write no checkpoint");
  cmd->add_option("--resume", o.resume, "go on from this checkpoint (same model, data and flags)");
  return [args] {
    QatOptions& o = args->o;
    if (o.distill.empty() && args->labels.empty())
      throw CLI::ValidationError("qat", "--labels is needed (or --distill kl|mse to train without labels)");
    if (args->val.empty() != args->val_labels.empty())
      throw CLI::ValidationError("qat", "--val and --val-labels go together");
    if (args->no_checkpoint && !o.checkpoint.empty())
      throw CLI::ValidationError("qat", "--checkpoint and --no-checkpoint exclude each other");
    std::vector<std::string> read = {args->train, args->labels, args->val, args->val_labels, args->config};
    Graph g = load_onnx(args->model, &read);
    if (o.checkpoint.empty() && !args->no_checkpoint) o.checkpoint = args->out + ".ckpt.npz";
    // The checkpoint may be the one resumed from: it is the run's own state, replaced atomically.
    if (!o.checkpoint.empty()) check_output_path(o.checkpoint, read);
    if (!o.resume.empty()) read.push_back(o.resume);
    check_output_path(args->out, read);
    o.per_channel = !args->per_tensor;
    o.act_dtype = args->act_dtype == "u8" ? DType::kUInt8 : DType::kInt8;
    if (!args->config.empty()) o.config_json = read_qconfig(args->config);
    const std::map<std::string, Tensor> train = load_inputs(g, {}, args->train);
    check_finite(train, args->train);
    Tensor labels;
    if (!args->labels.empty()) labels = labels_tensor(args->labels, sample_count(train, args->train));
    std::map<std::string, Tensor> val;
    Tensor val_labels;
    if (!args->val.empty()) {
      val = load_inputs(g, {}, args->val);
      check_finite(val, args->val);
      val_labels = labels_tensor(args->val_labels, sample_count(val, args->val));
    }
    std::unique_ptr<Progress> bar;
    o.progress = [&bar](const QatProgress& p) {
      if (p.step == 1)
        bar = std::make_unique<Progress>("epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs), p.steps);
      char detail[64];
      if (p.top1 >= 0) std::snprintf(detail, sizeof detail, "loss %.4f top-1 %.2f %%", p.loss, 100 * p.top1);
      else std::snprintf(detail, sizeof detail, "loss %.4g", p.loss);
      bar->update(p.step, detail);
      if (p.step == p.steps) bar->finish();
    };
    QatReport report;
    const Graph q = quantize_aware_train(g, train, labels, o, val, val_labels, &report);
    bar.reset();
    for (size_t e = 0; e < report.epochs.size(); ++e) {
      const QatEpoch& ep = report.epochs[e];
      std::printf("epoch %zu/%zu: loss %.4f", e + 1, report.epochs.size(), ep.loss);
      if (ep.top1 >= 0) std::printf(", train top-1 %s", percent(ep.top1).c_str());
      if (ep.val_top1 >= 0) std::printf(", val top-1 %s (fake-quantized)", percent(ep.val_top1).c_str());
      std::printf(", lr %.3g, %.1f s%s%s\n", ep.lr, ep.seconds, ep.observers_frozen ? ", observers frozen" : "",
                  report.batch_norms && ep.batch_norm_frozen ? ", BN statistics frozen" : "");
    }
    for (const std::string& note : report.notes) std::printf("%s\n", note.c_str());
    save_onnx(q, args->out);
    if (!val.empty())
      std::printf("val top-1: fp32 %s, int8 %s (%s, on octet's INT8 kernels)\n", percent(report.float_val_top1).c_str(),
                  percent(int8_top1(q, val, val_labels, o.threads)).c_str(), args->out.c_str());
    std::printf("wrote %s (%.2f MB)%s%s\n", args->out.c_str(), bytes_on_disk({args->out}) / 1e6,
                o.checkpoint.empty() ? "" : "; last checkpoint ", o.checkpoint.c_str());
    return 0;
  };
}

}  // namespace octet::cli
