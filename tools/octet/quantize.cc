// octet quantize MODEL -o OUT.onnx --mode static|dynamic ...: post-training quantization to the
// QDQ form (docs/quantization.md), with a summary of what was quantized.
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "commands.h"
#include "inputs.h"
#include "octet/accuracy.h"
#include "octet/io.h"
#include "octet/kernel_paths.h"
#include "octet/model.h"
#include "octet/quantize.h"
#include "octet/samples.h"
#include "progress.h"
#include "quantize_options.h"
#include "runs_on.h"

namespace octet::cli {

namespace {

struct Args {
  std::string model, out, eval, labels;
  QuantizeArgs q;
  double max_drop = -1;
};

// The float constants left in the file, largest first, with the node reading each and its reason.
void print_float_tensors(const std::vector<FloatTensor>& tensors) {
  if (tensors.empty()) return;
  int64_t total = 0;
  for (const FloatTensor& t : tensors) total += t.bytes;
  std::printf("float tensors: %zu of 1 KiB or more, %.1f KiB%s\n", tensors.size(), total / 1024.0,
              tensors.size() > 8 ? "; the 8 largest:" : "");
  for (size_t i = 0; i < tensors.size() && i < 8; ++i) {
    const FloatTensor& t = tensors[i];
    std::printf("  %s %s %.1f KiB: read by %s%s\n", t.name.c_str(), shape_str(t.shape).c_str(), t.bytes / 1024.0,
                t.reader.c_str(), t.why.empty() ? "" : (" (" + t.why + ")").c_str());
  }
}

// What the quantizer did, then how the model runs in octet (lowered onto the INT8 kernels): the
// share of the work on them and every float op with the quantizer's reason for it.
void print_summary(const Graph& in, const Graph& out, const QuantizeReport& r, const std::string& path,
                   uintmax_t in_bytes) {
  std::printf("quantized %zu nodes, kept %zu in float\n", r.quantized_nodes.size(), r.float_nodes.size());
  for (const std::string& note : r.notes) std::printf("%s\n", note.c_str());
  std::map<std::string, std::string> reasons;
  for (const std::string& line : r.float_nodes)
    if (size_t colon = line.find(": "); colon != std::string::npos)
      reasons[line.substr(0, colon)] = line.substr(colon + 2);
  const Graph lowered = lower(out);
  std::string note;
  std::printf("%s", lowering_summary(lowered, probe_value_types(lowered, {}, &note), reasons).c_str());
  std::printf("weights: %.1f KiB fp32 -> %.1f KiB quantized (%.2fx smaller)\n", r.fp32_weight_bytes / 1024.0,
              r.quantized_weight_bytes / 1024.0,
              r.quantized_weight_bytes ? double(r.fp32_weight_bytes) / r.quantized_weight_bytes : 0.0);
  print_float_tensors(r.float_tensors);
  const uintmax_t out_bytes = bytes_on_disk({path});
  std::printf("file: %.2f MB -> %.2f MB (%.3fx of fp32)\n", in_bytes / 1e6, out_bytes / 1e6,
              in_bytes ? double(out_bytes) / in_bytes : 0.0);
  std::printf("nodes: %zu -> %zu; wrote %s\n", in.nodes.size(), out.nodes.size(), path.c_str());
}

// Without VNNI the exact 8-bit GEMM multiplies no faster than fp32; 7-bit weights put it on
// vpmaddubsw (docs/kernels.md, "The 7-bit path"). Said where it applies.
void print_speed_hint(const QuantizeArgs& args) {
  const KernelPaths paths = kernel_paths();
  if (args.reduce_weight_range || !paths.seven_bit_weights_faster) return;
  std::printf(
      "hint: this CPU's INT8 path (%s) has no VNNI: --reduce-weight-range (7-bit weights) runs the GEMMs about 2x "
      "faster here, for one bit of weight resolution (docs/static_ptq.md)\n",
      paths.chosen.c_str());
}

// Static: how far the outputs moved from fp32 on the calibration samples and, where that is more
// than a good quantization moves them (cosine below 0.99), what to try next.
void print_output_cosine(const QuantizeArgs& args, const QuantizeReport& r) {
  if (r.output_cosine < 0) return;
  std::printf("output cosine to fp32 on the first %lld calibration samples: %.5f\n",
              static_cast<long long>(r.output_cosine_samples), r.output_cosine);
  if (r.output_cosine >= 0.99) return;
  if (args.observer != "auto")
    std::printf(
        "hint: --observer auto (the default) keeps whichever of the histogram, entropy, mse and percentile "
        "ranges brings the outputs closest to fp32 (docs/static_ptq.md)\n");
  else std::printf("hint: --max-drop X --eval DATA keeps the layers that lose the most in float (docs/debugging.md)\n");
}

// --max-drop: the greedy fallback of octet/accuracy.h, each step printed.
FallbackResult fall_back_to_max_drop(const Graph& g, LayerQuantizer& quantizer, const Args& args) {
  EvalData eval{.data = load_inputs(g, {}, args.eval),
                .threads = args.q.threads,
                .data_name = args.eval,
                .labels_name = args.labels};
  const int64_t n = sample_count(eval.data, args.eval);
  OCTET_CHECK(n > 0, args.eval, ": holds no samples to evaluate on");
  if (!args.labels.empty()) eval.labels = load_labels(args.labels, n);
  const ModelMetric metric(g, eval);
  // Ranking compares layer by layer on the first samples: enough to order the layers.
  const CompareOptions ranking{.samples = 100,
                               .threads = args.q.threads,
                               .float_name = args.model,
                               .quantized_name = "the quantized model",
                               .data_name = args.eval};
  std::printf("max drop %g from fp32 %s\n", args.max_drop, metric.describe(metric.float_score()).c_str());
  FallbackResult r = quantize_with_max_drop(
      g, quantizer, metric, args.max_drop, eval.data, ranking,
      [&](double score) {
        std::printf("all quantized: %s (drop %.4g)\n", metric.describe(score).c_str(), metric.drop(score));
      },
      [&](const FallbackStep& s) {
        std::printf("  keep %s (%s, isolated SQNR %.1f dB) %s: %s\n", s.layer.c_str(), s.op.c_str(), s.sqnr_db,
                    s.weight_only ? "weight-only" : "in float", metric.describe(s.score).c_str());
        std::fflush(stdout);
      });
  const double final_score = r.steps.empty() ? r.quantized_score : r.steps.back().score;
  std::set<std::string> in_float, weight_only;  // a layer made weight-only, then float, counts as float
  for (const FallbackStep& s : r.steps) (s.weight_only ? weight_only : in_float).insert(s.layer);
  for (const std::string& layer : in_float) weight_only.erase(layer);
  std::printf("%s: %s (drop %.4g) with %zu layer%s in float%s\n",
              r.within ? "within the bound" : "NOT within the bound", metric.describe(final_score).c_str(),
              metric.drop(final_score), in_float.size(), in_float.size() == 1 ? "" : "s",
              weight_only.empty() ? "" : (", " + std::to_string(weight_only.size()) + " weight-only").c_str());
  OCTET_CHECK(r.within, args.eval, ": the drop stays ", metric.drop(final_score), " > ", args.max_drop,
              " with every layer in float (the loss is in what stays quantized: embedding tables or the ",
              "model's inputs); no model written");
  return r;
}

}  // namespace

std::function<int()> add_quantize(CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "post-training quantization to an INT8 (QDQ) ONNX model");
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "fp32 ONNX model")->required();
  cmd->add_option("-o,--output", args->out, "output .onnx (QDQ form)")->required();
  add_quantize_options(cmd, args->q);
  auto* max_drop = cmd->add_option("--max-drop", args->max_drop,
                                   "keep the most harmful layers in float until the drop from fp32 on --eval is at "
                                   "most this: top-1 points with --labels, else cosine of the first output")
                       ->check(CLI::NonNegativeNumber);
  cmd->add_option("--eval", args->eval, "--max-drop: evaluation DATA (.npz keyed by input name, or .npy)");
  cmd->add_option("--labels", args->labels, "--max-drop: .npy of integer class labels of --eval, one per sample");
  return [args, max_drop] {
    check_quantize_options(args->q, "quantize");
    if (max_drop->count() && args->eval.empty()) throw CLI::ValidationError("quantize", "--max-drop needs --eval DATA");
    if (!max_drop->count() && (!args->eval.empty() || !args->labels.empty()))
      throw CLI::ValidationError("quantize", "--eval and --labels are for --max-drop");
    std::vector<std::string> read = {args->q.calib, args->q.config, args->eval, args->labels};
    Graph g = load_onnx(args->model, &read);
    check_output_path(args->out, read);
    std::unique_ptr<LayerQuantizer> quantizer = make_quantizer(g, args->q, calibration_progress());
    QuantizeReport report;
    Graph q;
    if (max_drop->count()) {
      FallbackResult r = fall_back_to_max_drop(g, *quantizer, *args);
      q = std::move(r.model);
      report = std::move(r.report);
    } else {
      q = quantizer->quantize({}, &report);
    }
    save_onnx(q, args->out);
    print_summary(g, q, report, args->out, bytes_on_disk({read.begin() + 4, read.end()}));  // model + external data
    print_output_cosine(args->q, report);
    print_speed_hint(args->q);
    return 0;
  };
}

}  // namespace octet::cli
