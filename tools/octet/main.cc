// octet: quantize and run neural networks in INT8. Exit status: 0 done, 1 bad input
// ("octet: error: ..." on stderr), 2 bad usage.
#include <iostream>
#include <map>

#include "cli_flags.h"
#include "commands.h"
#include "octet/error.h"
#include "octet/kernel_paths.h"
#include "octet/session.h"

namespace {

// `octet --version`: the release and the INT8 kernel path this CPU runs (bug reports need both).
std::string version() {
  std::string text = "octet 0.1.0\nkernels: ";
  try {
    const octet::KernelPaths paths = octet::kernel_paths();
    text += paths.chosen + " (this CPU runs:";
    for (const std::string& isa : paths.supported) text += " " + isa;
    text += "; OCTET_ISA=<path> forces one)";
  } catch (const octet::Error& e) {
    text += std::string("error: ") + e.what();
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // Process settings for speed (octet/session.h explains each).
  octet::restart_with_short_openmp_spin(argv);
  octet::keep_freed_memory();
  CLI::App app{"octet: INT8 quantization toolkit and runtime"};
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  std::map<CLI::App*, std::function<int()>> actions;
  for (auto add : {octet::cli::add_inspect, octet::cli::add_run, octet::cli::add_eval, octet::cli::add_bench,
                   octet::cli::add_quantize, octet::cli::add_qat, octet::cli::add_compare, octet::cli::add_sensitivity,
                   octet::cli::add_report}) {
    size_t before = app.get_subcommands({}).size();
    auto action = add(app);
    actions[app.get_subcommands({})[before]] = action;
  }
  // CLI11 would answer an unknown verb with "A subcommand is required"; name the word instead.
  if (argc > 1 && argv[1][0] != '-') {
    std::string verbs;
    bool known = false;
    for (CLI::App* sub : app.get_subcommands({})) {
      known = known || sub->check_name(argv[1]);
      verbs += (verbs.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "octet: error: unknown verb '" << argv[1] << "' (the verbs: " << verbs << "; octet --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const CLI::ParseError& e) {  // option combinations checked by the subcommand
    app.exit(e);
    return 2;
  } catch (const octet::Error& e) {
    std::cerr << "octet: error: " << octet::cli::with_cli_flags(e.what()) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "octet: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "octet: error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
