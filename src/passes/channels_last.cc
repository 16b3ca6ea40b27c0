#include "passes/channels_last.h"

#include <map>
#include <set>

#include "ir/topo_sort.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

const std::vector<int64_t> kToNhwc = {0, 2, 3, 1}, kToNchw = {0, 3, 1, 2};

bool is_lowered(const Node& n, const char* op) { return n.domain == "com.octet" && n.op_type == op; }
bool is_onnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// fp32 ops that compute the same in any layout: unary element-wise, and binary ones whose operands
// are both NHWC region values (all rank 4, permuted alike, so even broadcasting stays right).
bool is_float_unary(const Node& n) {
  return is_onnx(n, "Relu") || is_onnx(n, "Clip") || is_onnx(n, "HardSwish") || is_onnx(n, "LeakyRelu");
}
bool is_float_binary(const Node& n) { return is_onnx(n, "Add") || is_onnx(n, "Mul"); }

// A 2-D MaxPool without the Indices output (its flat indices are defined on the NCHW layout).
bool is_maxpool2d(const Node& n) {
  return is_onnx(n, "MaxPool") && (n.outputs.size() < 2 || n.outputs[1].empty()) && n.has_attr("kernel_shape") &&
         n.attr_ints("kernel_shape").size() == 2;
}

// An fp32 2-D convolution (oneDNN's kernel prefers NHWC): its weight is a rank-4 initializer.
bool is_float_conv2d(const Node& n, const Graph& g) {
  if (!is_onnx(n, "Conv") && !is_lowered(n, "FusedConv")) return false;
  auto w = n.inputs.size() > 1 ? g.initializers.find(n.inputs[1]) : g.initializers.end();
  return w != g.initializers.end() && w->second.rank() == 4;
}

// The inputs of `n` that carry activations (the rest are constants: weights, tables, qparams).
std::vector<size_t> data_inputs(const Node& n) {
  if (is_lowered(n, "QLinearAdd") || is_float_binary(n)) return {0, 1};
  if (is_lowered(n, "FusedConv") && n.has_input(3)) return {0, 3};  // the residual it adds
  if (is_lowered(n, "QLinearConcat")) {
    std::vector<size_t> all;
    for (size_t i = 0; i < n.inputs.size(); ++i) all.push_back(i);
    return all;
  }
  return {0};
}

// Whether `n` runs in NHWC, given which values are already NHWC. A 2-D QLinearConv or fp32 Conv
// always does (their kernels prefer NHWC); pooling (INT8, and 2-D MaxPool of any type) and Concat
// over channels follow an NHWC input;
// INT8 element-wise ops follow any NHWC operand (the other one is transposed in), fp32 ones only
// NHWC operands (their constants may broadcast along NCHW axes).
bool runs_nhwc(const Node& n, const Graph& g, const std::set<std::string>& nhwc) {
  if (is_lowered(n, "QLinearConv") || is_float_conv2d(n, g)) return true;
  auto any_nhwc = [&](bool all) {
    bool any = false, every = true;
    for (size_t i : data_inputs(n)) {
      const bool in = i < n.inputs.size() && nhwc.count(n.inputs[i]);
      any = any || in;
      every = every && in;
    }
    return all ? every : any;
  };
  if (is_lowered(n, "QLinearMaxPool") || is_lowered(n, "QLinearGlobalAveragePool") || is_maxpool2d(n))
    return any_nhwc(true);
  if (is_lowered(n, "QLinearConcat")) {
    const int64_t axis = n.attr_int("axis", 0);
    return (axis == 1 || axis == -3) && any_nhwc(true);
  }
  if (is_lowered(n, "QLinearAdd") || is_lowered(n, "QLinearLookup")) return any_nhwc(false);
  if (is_float_unary(n) || is_float_binary(n)) return any_nhwc(true);
  return false;
}

// Ops whose kernel reads the layout from attribute channels_last (element-wise ones need none).
bool takes_layout_attr(const Node& n) {
  return !is_lowered(n, "QLinearAdd") && !is_lowered(n, "QLinearLookup") && !is_float_unary(n) &&
         !is_float_binary(n);
}

Node transpose(const std::string& name, const std::string& in, const std::string& out, const std::vector<int64_t>& perm,
               int opset) {
  Node t;
  t.name = name;
  t.op_type = "Transpose";
  t.opset = opset;
  t.inputs = {in};
  t.outputs = {out};
  t.attrs["perm"] = ints_attr(perm);
  return t;
}

}  // namespace

void to_channels_last(Graph& g) {
  std::set<std::string> nhwc;           // original names of values produced in NHWC
  std::map<std::string, std::string> nhwc_name;  // original name -> the NHWC value's name
  std::vector<bool> in_region(g.nodes.size(), false);
  const std::vector<size_t> order = topological_order(g, true);
  for (size_t i : order) {
    if (!runs_nhwc(g.nodes[i], g, nhwc)) continue;
    in_region[i] = true;
    for (const auto& o : g.nodes[i].outputs)
      if (!o.empty()) nhwc.insert(o);
  }
  if (nhwc.empty()) return;

  // Which region values something outside the region reads: they get a Transpose back to NCHW.
  std::set<std::string> read_outside;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!in_region[i])
      for (const auto& in : g.nodes[i].inputs)
        if (nhwc.count(in)) read_outside.insert(in);
  for (const auto& out : g.outputs)
    if (nhwc.count(out.name)) read_outside.insert(out.name);
  // Subgraph bodies read outer values by name: keep those reachable as NCHW too.
  for (const auto& v : nhwc)
    if (!read_outside.count(v))
      for (size_t c : consumers(g, v))
        if (!in_region[c]) read_outside.insert(v);

  std::set<std::string> taken;  // names made here: g does not hold them until the end
  auto claim = [&](const std::string& base) {
    std::string name = fresh_name(g, base);
    for (int k = 1; taken.count(name); ++k) name = fresh_name(g, base + "_" + std::to_string(k));
    taken.insert(name);
    return name;
  };
  for (const auto& v : nhwc) nhwc_name[v] = claim(v + "_nhwc");
  // The Transposes are ai.onnx nodes: they take the model's ai.onnx opset, not a com.octet one.
  const int onnx_opset = g.opsets.count("") ? g.opsets.at("") : 13;
  std::map<std::string, std::string> entering;  // NCHW value -> its NHWC transpose
  std::vector<Node> nodes;
  for (size_t i : order) {
    Node n = g.nodes[i];
    if (!in_region[i]) {
      nodes.push_back(std::move(n));
      continue;
    }
    for (size_t k : data_inputs(n)) {
      if (k >= n.inputs.size() || n.inputs[k].empty()) continue;
      std::string& in = n.inputs[k];
      if (nhwc.count(in)) {
        in = nhwc_name.at(in);
        continue;
      }
      auto [it, fresh] = entering.emplace(in, "");
      if (fresh) {
        it->second = claim(in + "_nhwc");
        nodes.push_back(transpose(claim(in + "_to_nhwc"), in, it->second, kToNhwc, onnx_opset));
      }
      in = it->second;
    }
    if (takes_layout_attr(n)) n.attrs["channels_last"] = int_attr(1);
    if (is_lowered(n, "QLinearConcat")) n.attrs["axis"] = int_attr(3);
    const std::vector<std::string> outs = n.outputs;
    for (auto& o : n.outputs)
      if (!o.empty()) o = nhwc_name.at(o);
    nodes.push_back(std::move(n));
    for (const auto& o : outs)
      if (!o.empty() && read_outside.count(o))
        nodes.push_back(transpose(claim(o + "_to_nchw"), nhwc_name.at(o), o, kToNchw, onnx_opset));
  }
  g.nodes = std::move(nodes);
  // A region value nobody reads as NCHW no longer exists under its old name.
  for (const auto& v : nhwc)
    if (!read_outside.count(v)) g.value_info.erase(v);
}

}  // namespace octet
