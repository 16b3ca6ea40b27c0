#include "compare_args.h"

namespace octet::cli {

void add_compare_args(CLI::App* cmd, CompareArgs& args) {
  cmd->add_option("float_model", args.float_model, "the float ONNX model")->required();
  cmd->add_option("quantized_model", args.quantized_model,
                  "the quantized ONNX model made from it (QDQ or dynamic, by any tool)")
      ->required();
  cmd->add_option("--data", args.data, "inputs: .npz keyed by input name, or .npy for a single-input model")
      ->required();
  cmd->add_option("--samples", args.samples, "use the first N samples (default: all)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args.batch, "samples per run")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--data-layout", args.layout,
                  "axis 0 of DATA: the model's batch axis (batched), whole inputs stacked, one call each (stacked), or "
                  "as the ranks say (auto)")
      ->check(CLI::IsMember({"auto", "batched", "stacked"}));
  cmd->add_option("--threads", args.threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
}

CompareOptions compare_options(const CompareArgs& args, std::function<void(int64_t, int64_t)> progress) {
  return {.batch = args.batch,
          .samples = args.samples,
          .layout = parse_data_layout(args.layout),
          .threads = args.threads,
          .progress = std::move(progress),
          .float_name = args.float_model,
          .quantized_name = args.quantized_model,
          .data_name = args.data};
}

}  // namespace octet::cli
