// The subcommands of the `octet` CLI (DESIGN.md "The CLI"); each lives in its own file.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace octet::cli {

// Each registers its subcommand on `app` and returns the action to run when it is chosen.
std::function<int()> add_inspect(CLI::App& app);
std::function<int()> add_run(CLI::App& app);
std::function<int()> add_bench(CLI::App& app);
std::function<int()> add_eval(CLI::App& app);
std::function<int()> add_quantize(CLI::App& app);
std::function<int()> add_qat(CLI::App& app);
std::function<int()> add_compare(CLI::App& app);
std::function<int()> add_sensitivity(CLI::App& app);
std::function<int()> add_report(CLI::App& app);

}  // namespace octet::cli
