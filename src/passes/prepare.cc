#include "passes/prepare.h"

#include <algorithm>
#include <set>

#include "passes/fuse_groups.h"
#include "passes/graph_util.h"
#include "passes/unary_islands.h"

namespace octet {

namespace {

// Ops whose int8 form reads the codes of its input directly: the output keeps the input's
// qparams (ONNX Runtime's QDQ quantizer does the same), so no requantization is needed.
// Resize interpolates: linear and nearest stay within the range of its input (cubic may overshoot
// and saturate, as with ONNX Runtime's quantizer, which also shares the qparams).
const std::set<std::string> kSharesInputQParams = {"MaxPool", "Reshape",   "Flatten", "Transpose",
                                                   "Squeeze", "Unsqueeze", "Resize"};
// Ops quantized only when their input already is (a lone Q/DQ pair around them buys nothing).
const std::set<std::string> kFollowers = {
    "MaxPool", "Reshape",     "Flatten",           "Transpose", "Squeeze", "Unsqueeze", "Resize",      "Relu",
    "Clip",    "AveragePool", "GlobalAveragePool", "Sigmoid",   "Tanh",    "HardSwish", "HardSigmoid", "LeakyRelu"};
const std::set<std::string> kWeighted = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
const std::set<std::string> kBinary = {"Add", "Mul"};

bool is_constant(const Graph& g, const std::string& v) { return g.find_initializer(v) != nullptr; }

bool is_float_value(const Graph& g, const std::string& v) {
  const ValueInfo* vi = g.find_value_info(v);
  return vi == nullptr || vi->dtype == DType::kFloat32;
}

// Why `n` cannot be quantized as a unit head ("" when it can). `quantized` holds the values already
// known to be quantized (the graph is walked in topological order).
std::string unquantizable(const Graph& g, const Node& n, const std::set<std::string>& quantized) {
  if (!n.domain.empty()) return "op of domain '" + n.domain + "'";
  if (kWeighted.count(n.op_type)) {
    size_t wi = 1;
    if (!n.has_input(wi) || !is_constant(g, n.inputs[wi])) return "weight is not a constant";
    const Tensor& w = *g.find_initializer(n.inputs[wi]);
    if (w.dtype() != DType::kFloat32) return "weight is not float32";
    if (n.op_type == "MatMul" && w.rank() != 2) return "MatMul weight of rank " + std::to_string(w.rank());
    if (n.op_type == "Gemm") {
      if (n.attr_float("alpha", 1) != 1 || n.attr_float("beta", 1) != 1) return "Gemm with alpha or beta != 1";
      if (n.attr_int("transA", 0) != 0) return "Gemm with transA";
    }
    if (n.op_type == "Conv" && w.rank() != 4) return "only 2-D convolutions are quantized";
    if (n.op_type == "ConvTranspose") {
      if (w.rank() != 4) return "only 2-D transposed convolutions are quantized";
      if (n.attr_int("group", 1) != 1) return "grouped ConvTranspose";
      if (n.has_attr("output_shape") || n.attr_string("auto_pad", "NOTSET") != "NOTSET")
        return "ConvTranspose with output_shape or auto_pad";
    }
    if (n.has_input(2) && !is_constant(g, n.inputs[2])) return "bias is not a constant";
    if (!is_float_value(g, n.inputs[0])) return "input is not float32";
    return "";
  }
  if (kBinary.count(n.op_type)) {
    int constants = 0;
    for (size_t i = 0; i < 2; ++i) {
      if (!n.has_input(i)) return "an operand is missing";
      if (!is_float_value(g, n.inputs[i])) return "an operand is not float32";
      if (is_constant(g, n.inputs[i])) ++constants;
    }
    if (constants == 2) return "both operands are constants";
    // A constant operand (a per-channel scale, a position embedding) is quantized like an
    // activation, from its own range, when the other operand is quantized already.
    if (constants == 1 && !quantized.count(n.inputs[is_constant(g, n.inputs[0]) ? 1 : 0]))
      return "a constant operand of a float value";
    return "";
  }
  if (n.op_type == "Concat") {
    for (const auto& in : n.inputs)
      if (in.empty() || is_constant(g, in) || !is_float_value(g, in)) return "an operand is a constant";
    return "";
  }
  if (kFollowers.count(n.op_type)) {
    if (!n.has_input(0) || !quantized.count(n.inputs[0])) return "follows a float value";
    if (n.op_type == "MaxPool" && n.outputs.size() > 1 && !n.outputs[1].empty()) return "MaxPool with Indices";
    if (n.op_type == "Resize" && is_graph_output(g, n.outputs[0]))
      return "writes a graph output: resizing the dequantized input costs less than dequantizing the output";
    if (n.op_type == "Clip")
      for (size_t i = 1; i < 3; ++i)
        if (n.has_input(i) && !is_constant(g, n.inputs[i])) return "Clip bounds are not constants";
    return "";
  }
  if (is_global_average(g, n))  // squeeze-excite's mean: GlobalAveragePool once lowered
    return n.has_input(0) && quantized.count(n.inputs[0]) ? "" : "follows a float value";
  return "no int8 form";
}

// The unary islands of two or more nodes (unary_islands.h), by first member, that share no node
// with `taken` (fused chains, written-out normalizations); found from the graph's end so that each
// is the largest one.
std::map<size_t, UnaryIsland> islands_by_first(const Graph& g, std::set<size_t> taken) {
  std::map<size_t, UnaryIsland> out;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    if (taken.count(i)) continue;
    std::optional<UnaryIsland> island = unary_island_ending_at(g, i);
    if (!island || island->nodes.size() < 2) continue;
    if (std::any_of(island->nodes.begin(), island->nodes.end(), [&](size_t k) { return taken.count(k) > 0; })) continue;
    taken.insert(island->nodes.begin(), island->nodes.end());
    out[island->nodes.front()] = *island;
  }
  return out;
}

}  // namespace

std::string QuantPlan::qparams_root(const std::string& value) const {
  std::string v = value;
  for (auto it = activations.find(v); it != activations.end() && !it->second.shares.empty(); it = activations.find(v))
    v = it->second.shares;
  return v;
}

QuantPlan prepare(const Graph& g, const quant::QConfigMapping& mapping) {
  QuantPlan plan;
  // Fused chains by head node; members other than the head are not units of their own.
  std::map<size_t, FusedGroup> group_of_head;
  std::set<size_t> in_chains;
  for (const FusedGroup& fg : find_fused_groups(g)) {
    group_of_head[fg.nodes.front()] = fg;
    in_chains.insert(fg.nodes.begin(), fg.nodes.end());
  }
  // A written-out normalization (written_out_norms.h) stays float whole: squaring, subtracting or
  // dividing 8-bit codes inside it destroys its statistics. No island may reach into one either.
  std::map<size_t, NormKind> in_norm;
  std::set<size_t> no_island = in_chains;
  for (const WrittenOutNorm& w : find_written_out_norms(g)) {
    for (size_t k : w.nodes) in_norm[k] = w.kind;
    no_island.insert(w.nodes.begin(), w.nodes.end());
    plan.float_norms.push_back(w.kind);
  }
  const std::map<size_t, UnaryIsland> islands = islands_by_first(g, no_island);
  std::set<std::string> quantized;
  std::set<size_t> claimed;  // nodes inside a unit
  auto add_activation = [&](const std::string& v, const quant::QConfig& qc) {
    if (plan.activations.count(v)) return;
    plan.activations[v] = ActivationSpec{qc.activation, qc.act_observer, qc.observer_options, "", ""};
    quantized.insert(v);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (claimed.count(i)) continue;
    const Node& n = g.nodes[i];
    if (auto norm = in_norm.find(i); norm != in_norm.end()) {
      plan.float_reasons[n.name] =
          std::string("inside a written-out ") + norm_kind_name(norm->second) + ", kept in float as one unit";
      continue;
    }
    std::optional<quant::QConfig> qc = mapping.resolve(n);
    if (!qc) {
      plan.float_reasons[n.name] = "excluded by the qconfig";
      continue;
    }
    // A unary island on a quantized value is one unit: a table lookup once lowered.
    auto isl = islands.find(i);
    if (isl != islands.end() && quantized.count(isl->second.input) && is_float_value(g, isl->second.input) &&
        std::all_of(isl->second.nodes.begin(), isl->second.nodes.end(),
                    [&](size_t k) { return mapping.resolve(g.nodes[k]).has_value(); })) {
      const UnaryIsland& island = isl->second;
      QuantUnit unit{island.nodes, *qc, {island.input}, g.nodes[island.nodes.back()].outputs[0]};
      claimed.insert(island.nodes.begin(), island.nodes.end());
      add_activation(unit.output, *qc);
      plan.units.push_back(std::move(unit));
      continue;
    }
    // On a float value an island stays float whole: Q/DQ inside it would buy no table, only error.
    if (isl != islands.end() && !quantized.count(isl->second.input)) {
      for (size_t k : isl->second.nodes) {
        plan.float_reasons[g.nodes[k].name] = "inside an element-wise function of a float value (a unary island)";
        claimed.insert(k);
      }
      continue;
    }
    std::string why = unquantizable(g, n, quantized);
    if (!why.empty()) {
      plan.float_reasons[n.name] = why;
      continue;
    }
    QuantUnit unit{{i}, *qc, {}, n.outputs.empty() ? "" : n.outputs[0]};
    auto fg = group_of_head.find(i);
    if (fg != group_of_head.end()) {
      unit.nodes = fg->second.nodes;
      unit.output = fg->second.output;
    }
    for (size_t k : unit.nodes) claimed.insert(k);
    // Activation inputs: the data input of weighted ops, every operand of the others.
    size_t n_act =
        kWeighted.count(n.op_type) ? 1 : (n.op_type == "Concat" || kBinary.count(n.op_type) ? n.inputs.size() : 1);
    for (size_t k = 0; k < n_act && k < n.inputs.size(); ++k) {
      unit.act_inputs.push_back(n.inputs[k]);
      add_activation(n.inputs[k], *qc);
      if (is_constant(g, n.inputs[k])) plan.activations[n.inputs[k]].observer = "minmax";  // its exact range
    }
    const Node& last = g.nodes[unit.nodes.back()];
    add_activation(unit.output, *qc);
    ActivationSpec& out = plan.activations[unit.output];
    if (unit.nodes.size() == 1 && kSharesInputQParams.count(n.op_type)) {
      out.shares = plan.qparams_root(n.inputs[0]);
    } else if (quant::TensorQParams fixed; quant::fixed_qparams(last.op_type, qc->activation, &fixed)) {
      out.observer = "fixed";
      out.fixed_op = last.op_type;
    }
    if (n.op_type == "Concat") {
      // Concat keeps every operand's codes when all share the output's qparams: operands used only
      // here (and not graph inputs or outputs) take them.
      for (const auto& in : n.inputs) {
        int uses = 0;
        for (const Node& m : g.nodes)
          for (const auto& mi : m.inputs) uses += mi == in;
        bool is_io = false;
        for (const auto& gi : g.inputs) is_io |= gi.name == in;
        for (const auto& go : g.outputs) is_io |= go.name == in;
        auto& spec = plan.activations[in];
        if (uses == 1 && !is_io && spec.shares.empty()) spec.shares = unit.output;
      }
    }
    plan.units.push_back(std::move(unit));
  }
  return plan;
}

}  // namespace octet
