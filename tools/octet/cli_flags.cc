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
  };
  for (const auto& [name, flag] : kFlags)
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at + 1))
      message.replace(at, std::char_traits<char>::length(name), flag);
  return message;
}

}  // namespace octet::cli
