#include "runs_on.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "cli_flags.h"
#include "inputs.h"
#include "octet/runtime.h"

namespace octet::cli {

const char* runs_on_name(RunsOn r) {
  switch (r) {
    case RunsOn::kInt8: return "INT8 kernels";
    case RunsOn::kFloat: return "float ops";
    case RunsOn::kLayout: return "layout changes";
    case RunsOn::kQdq: return "Q/DQ";
  }
  return "?";
}

RunsOn runs_on(const Node& n, DType output) {
  static const std::set<std::string> kQdq = {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"};
  static const std::set<std::string> kInteger = {"MatMulInteger", "ConvInteger"};
  if (n.domain.empty() && kQdq.count(n.op_type)) return RunsOn::kQdq;
  if (n.domain.empty() && n.op_type == "Transpose") return RunsOn::kLayout;
  if (n.domain == kOctetDomain && (n.op_type.rfind("Int8", 0) == 0 || n.op_type.rfind("DynamicQuant", 0) == 0))
    return RunsOn::kInt8;
  if ((n.domain.empty() && kInteger.count(n.op_type)) || output == DType::kUInt8 || output == DType::kInt8)
    return RunsOn::kInt8;
  return RunsOn::kFloat;
}

std::map<std::string, ValueType> probe_value_types(const Graph& g, const std::map<std::string, int64_t>& dims,
                                                   std::string* note, std::string* run_error) {
  std::map<std::string, ValueType> types;
  auto add_declared = [&](const ValueInfo& v) {
    if (!v.has_shape) return;
    ValueType t{v.dtype, {}};
    for (const Dim& d : v.shape) t.shape.push_back(d.value);
    types[v.name] = t;
  };
  for (const auto& v : g.inputs) add_declared(v);
  for (const auto& v : g.outputs) add_declared(v);
  for (const auto& [name, v] : g.value_info) add_declared(v);
  for (const auto& [name, t] : g.initializers) types[name] = {t.dtype(), t.shape()};
  std::map<std::string, Tensor> inputs;
  try {
    inputs = synthesize_inputs(g, bind_input_shapes(g, dims, 1));
  } catch (const Error& e) {
    *note = "shapes as declared in the model (no probe run: " + with_cli_flags(e.what()) + ")";
    return types;
  }
  try {
    Executor exec(g);
    exec.add_hook([&](const Node*, const std::string& name, const Tensor& t) { types[name] = {t.dtype(), t.shape()}; });
    exec.run(inputs);
    *note = "shapes from a probe run with unknown dims = 1 (bind them with --dim SYMBOL=N)";
  } catch (const Error& e) {
    *note = std::string("shapes as declared in the model (a probe run failed: ") + e.what() + ")";
    if (run_error) *run_error = e.what();
  }
  return types;
}

namespace {

// The element count of a probed shape; `unknown` when a dim is unknown.
int64_t shape_numel_or(const Shape& s, int64_t unknown) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) return unknown;
    n *= d;
  }
  return n;
}

DType output_dtype(const Node& n, const std::map<std::string, ValueType>& types) {
  auto it = n.outputs.empty() ? types.end() : types.find(n.outputs[0]);
  return it == types.end() ? DType::kFloat32 : it->second.dtype;
}

// Why a float op of the lowered graph is float, read off the graph itself.
std::string float_reason(const Graph& g, const Node& n, const std::map<std::string, ValueType>& types) {
  bool reads_dequantized = false, s8 = false;
  for (const auto& in : n.inputs)
    for (const Node& p : g.nodes)
      if (p.domain.empty() && p.op_type == "DequantizeLinear" && !p.outputs.empty() && p.outputs[0] == in &&
          !g.find_initializer(p.inputs[0])) {
        reads_dequantized = true;
        auto t = types.find(p.inputs[0]);
        s8 |= t != types.end() && t->second.dtype == DType::kInt8;
      }
  bool writes_quantized = false;
  for (const Node& c : g.nodes)
    if (c.domain.empty() && c.op_type == "QuantizeLinear" && !n.outputs.empty() && c.inputs[0] == n.outputs[0])
      writes_quantized = true;
  if (s8) return "quantized with int8 (s8) activations, which the INT8 kernels do not take (use --act-dtype u8)";
  if (reads_dequantized && writes_quantized)
    return "between quantized values (DequantizeLinear -> op -> QuantizeLinear) with no INT8 kernel for it";
  if (reads_dequantized) return "a float op on dequantized values (the model does not quantize its output)";
  return "not quantized in the model";
}

}  // namespace

std::string lowering_summary(const Graph& lowered, const std::map<std::string, ValueType>& types,
                             const std::map<std::string, std::string>& reasons, size_t names_shown) {
  int int8_nodes = 0, compute_nodes = 0, float_nodes = 0;
  int64_t int8_macs = 0, macs = 0;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> floats;  // (op, reason) -> nodes
  for (const Node& n : lowered.nodes) {
    const DType out = output_dtype(n, types);
    const RunsOn r = runs_on(n, out);
    if (counts_macs(n)) {
      const int64_t m = node_macs(n, types);
      if (m > 0) {
        macs += m;
        if (r == RunsOn::kInt8) int8_macs += m;
      }
    }
    // Shape arithmetic (int64 values, float scalars) and layout or quantization steps are not compute.
    auto t = n.outputs.empty() ? types.end() : types.find(n.outputs[0]);
    const bool scalar = t != types.end() && shape_numel_or(t->second.shape, 2) <= 1;
    if (r == RunsOn::kLayout || r == RunsOn::kQdq || (r == RunsOn::kFloat && (out != DType::kFloat32 || scalar)))
      continue;
    ++compute_nodes;
    if (r == RunsOn::kInt8) {
      ++int8_nodes;
      continue;
    }
    ++float_nodes;
    auto why = reasons.find(n.name);
    floats[{n.op_type, why != reasons.end() ? why->second : float_reason(lowered, n, types)}].push_back(n.name);
  }
  std::ostringstream os;
  char share[64];
  std::snprintf(share, sizeof share, "%.1f %%", macs ? 100.0 * double(int8_macs) / double(macs) : 0.0);
  os << "runs on INT8 kernels: " << int8_nodes << " of " << compute_nodes << " compute nodes, " << share
     << " of the multiply-accumulates\n";
  if (float_nodes) os << "float ops (" << float_nodes << "), by op and reason:\n";
  for (const auto& [key, names] : floats) {
    os << "  " << key.first << " x" << names.size() << ": " << key.second << " (";
    for (size_t i = 0; i < names.size() && i < names_shown; ++i) os << (i ? ", " : "") << names[i];
    os << (names.size() > names_shown ? ", ...)\n" : ")\n");
  }
  return os.str();
}

}  // namespace octet::cli
