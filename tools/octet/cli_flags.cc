#include "cli_flags.h"

#include <utility>

namespace octet::cli {

std::string with_cli_flags(std::string message) {
  static const std::pair<const char*, const char*> kFlags[] = {
      {"StaticQuantOptions::exclude", "--exclude"},
      {"DynamicQuantOptions::exclude", "--exclude"},
      {"DynamicQuantOptions::op_types", "--ops"},
      {"choose a DataLayout", "choose with --data-layout"},        // resolve_data_layout
      {"bind_input_shapes' dims and batch", "--dim and --batch"},  // synthesize_inputs
      // debug/html_report.cc's notes: the verbs that show the same tables.
      {"<code>QParamsCheck</code> over the data", "<code>octet inspect --qparams --data</code>"},
      {"<code>octet::lower</code>", "<code>octet inspect --lowered</code>"},
  };
  for (const auto& [name, flag] : kFlags)
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at + 1))
      message.replace(at, std::char_traits<char>::length(name), flag);
  return message;
}

}  // namespace octet::cli
