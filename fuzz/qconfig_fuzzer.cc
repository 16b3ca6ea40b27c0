// libFuzzer harness: the --config parser (QConfigMapping::from_json), then resolve() and
// check_matches() against a few nodes, some with long names (name_regex patterns search them).
// An octet::Error is the expected answer to a bad file; a crash, a sanitizer report, a hang or
// any other exception is a bug.
#include <string>
#include <vector>

#include "quant/qconfig.h"

namespace {

octet::Graph make_graph() {
  octet::Graph g;
  std::string long_name = "backbone";
  for (int i = 0; i < 200; ++i) long_name += ".layer" + std::to_string(i);
  const std::vector<std::pair<std::string, std::string>> nodes = {
      {"stem.conv", "Conv"},
      {"fc1", "Gemm"},
      {"head.fc", "MatMul"},
      {long_name + ".conv", "Conv"},
      {std::string(4096, 'a') + "b", "Add"},
      {"", "Relu"},
  };
  for (const auto& [name, op] : nodes) {
    octet::Node n;
    n.name = name;
    n.op_type = op;
    g.nodes.push_back(n);
  }
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const octet::Graph graph = make_graph();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto mapping = octet::quant::QConfigMapping::from_json(text, octet::quant::default_qconfig());
    for (const octet::Node& n : graph.nodes) mapping.resolve(n);
    mapping.check_matches({&graph});
  } catch (const octet::Error&) {
  }
  return 0;
}
