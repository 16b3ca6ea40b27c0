// octet bench MODEL [-i NAME=FILE.npy ...] [--data FILE] [--dim SYMBOL=N ...] [--batch N]
//                   [--threads N] [--iters N] [--warmup N] [--json] [--serve] [--profile]
// Median and p90 latency of whole-model inference. --serve lets a harness interleave octet with
// other engines: after warm-up it reads an integer k per stdin line, runs k inferences and prints
// {"latencies_ms": [...]} on one line. --profile adds a per-node breakdown (profile.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "inputs.h"
#include "load_model.h"
#include "octet/runtime.h"
#include "profile.h"

namespace octet::cli {

namespace {

std::vector<double> time_runs(Executor& exec, const std::map<std::string, Tensor>& feeds, int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    exec.run(feeds);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return ms;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  double pos = p * (v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

}  // namespace

std::function<int()> add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "measure inference latency (median, p90)");
  struct Args {
    std::string model, data;
    std::vector<std::string> inputs, dims;
    int64_t batch = 0;
    int threads = 1, iters = 50, warmup = 5;
    bool reference = false;
    bool json = false, serve = false, profile = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("-i,--input", args->inputs, "an input: NAME=FILE.npy (default: synthesized)");
  cmd->add_option("--data", args->data, "inputs as .npz keyed by input name, or .npy for a single-input model");
  cmd->add_option("--dim", args->dims, "size of a symbolic input dim for synthesized inputs: SYMBOL=N");
  cmd->add_option("--batch", args->batch, "batch size (leading dim)")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--threads", args->threads, "threads inside the heavy ops")->check(CLI::Range(1, 1024));
  cmd->add_flag("--reference", args->reference,
                "run the graph as written: a quantized model's float QDQ reference, not the INT8 kernels; an fp32 "
                "model without optimize_for_inference");
  cmd->add_option("--iters", args->iters, "timed inferences")->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup", args->warmup, "untimed inferences first")->check(CLI::Range(0, 1000000));
  cmd->add_flag("--json", args->json, "print JSON");
  cmd->add_flag("--serve", args->serve, "read iteration counts from stdin, print latencies per line");
  cmd->add_flag("--profile", args->profile, "after the timing, one more pass of --iters runs timed per node");
  return [args] {
    Graph g = load_model(args->model, args->reference);
    std::map<std::string, Tensor> feeds;
    if (!args->inputs.empty() || !args->data.empty()) {
      feeds = load_inputs(g, args->inputs, args->data);
      if (args->batch > 0) feeds = slice_samples(feeds, 0, args->batch);
    } else {
      feeds = synthesize_inputs(g, bind_input_shapes(g, parse_dims(args->dims), args->batch > 0 ? args->batch : 1));
    }
    Executor exec(g, {.threads = args->threads});
    time_runs(exec, feeds, args->warmup);
    if (args->serve) {
      std::cout << nlohmann::json{{"ready", true}}.dump() << std::endl;
      std::string line;
      while (std::getline(std::cin, line)) {
        // The whole line is one decimal count: "1e9" or "3 apples" is refused, not read as 1 or 3.
        const size_t first = line.find_first_not_of(" \t\r"), last = line.find_last_not_of(" \t\r");
        const std::string count = first == std::string::npos ? "" : line.substr(first, last - first + 1);
        OCTET_CHECK(!count.empty() && count.size() <= 7 && count.find_first_not_of("0123456789") == std::string::npos,
                    "--serve: expected an iteration count (1 to 1000000) per line, got '", line.substr(0, 80), "'");
        const int k = std::stoi(count);
        OCTET_CHECK(k >= 1 && k <= 1000000, "--serve: iteration count out of range: ", k, " (1 to 1000000)");
        std::cout << nlohmann::json{{"latencies_ms", time_runs(exec, feeds, k)}}.dump() << std::endl;
      }
      return 0;
    }
    auto ms = time_runs(exec, feeds, args->iters);
    double median = percentile(ms, 0.5), p90 = percentile(ms, 0.9);
    if (args->json) {
      std::cout << nlohmann::json{{"model", args->model}, {"median_ms", median},      {"p90_ms", p90},
                                  {"iters", args->iters}, {"threads", args->threads}, {"latencies_ms", ms}}
                       .dump()
                << "\n";
    } else {
      std::printf("%s: median %.3f ms, p90 %.3f ms (%d iters, %d threads)\n", args->model.c_str(), median, p90,
                  args->iters, args->threads);
    }
    if (args->profile) {
      NodeProfile profile(exec);
      time_runs(exec, feeds, args->iters);
      profile.print(args->iters, 15);
    }
    return 0;
  };
}

}  // namespace octet::cli
