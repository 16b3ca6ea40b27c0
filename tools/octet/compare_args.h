// The arguments `compare` and `report` share: the float model, the quantized model made from it,
// the data both run on and how (docs/debugging.md).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "octet/debug.h"

namespace octet::cli {

struct CompareArgs {
  std::string float_model, quantized_model, data, layout = "auto";
  int64_t samples = -1, batch = 32;
  int threads = 1;
};

void add_compare_args(CLI::App* cmd, CompareArgs& args);

// The options of compare_models for these arguments, the files named in its messages.
CompareOptions compare_options(const CompareArgs& args, std::function<void(int64_t, int64_t)> progress);

}  // namespace octet::cli
