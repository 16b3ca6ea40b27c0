// octet::quantize_dynamic (include/octet/quantize.h): weights int8 offline, activations
// quantized at run time (the seeds' "dynamic quantization"). The weight of each chosen node becomes
// an int8 initializer behind a DequantizeLinear, a graph ONNX Runtime runs as it stands
// (weight-only); graph.metadata["octet.dynamic"] names the nodes lower_dynamic runs in INT8.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "octet/quantize.h"
#include "passes/float_tensors.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"
#include "passes/quantize_embeddings.h"
#include "passes/upgrade_opset.h"
#include "quant/weight_quant.h"

namespace octet {

namespace {

// The constant weight input(s) of a node quantize_dynamic quantizes, and their mapping. Each is
// quantized along the node's weight_channel_axis (quant/weight_quant.h).
struct WeightSlot {
  size_t input;
  bool symmetric;
};

std::vector<WeightSlot> weight_slots(const Node& n) {
  if (n.op_type == "MatMul" || n.op_type == "Gemm" || n.op_type == "Conv") return {{1, true}};
  // LSTM/GRU W [dirs, gates*hidden, input] and R [dirs, gates*hidden, hidden]: one scale per gate
  // row, shared by the directions (DequantizeLinear has one axis). Affine, not symmetric: the
  // recurrence carries every step's weight rounding into the next, and a row's [min, max] in 255
  // steps is never coarser than [-max|w|, max|w|] in 254 (Silero's LSTM: 0.86x the step on
  // average, 0.62x at best; its output error fell from 1.27e-2 to under 1e-2, docs/dynamic_ptq.md).
  // The zero points cost one row sum of x or h per GEMM, next to nothing beside a cell's gates.
  if (n.op_type == "LSTM" || n.op_type == "GRU") return {{1, false}, {2, false}};
  return {};
}

}  // namespace

Graph quantize_dynamic(const Graph& model, const DynamicQuantOptions& options, QuantizeReport* report) {
  static const std::set<std::string> kSupported = {"MatMul", "Gemm", "LSTM", "GRU", "Conv", "Gather"};
  for (const auto& op : options.op_types)
    OCTET_CHECK(kSupported.count(op), "DynamicQuantOptions::op_types: '", op,
                "' cannot be quantized dynamically (MatMul, Gemm, LSTM, GRU, Conv, Gather)");
  for (const auto& name : options.exclude)
    OCTET_CHECK(std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; }),
                "DynamicQuantOptions::exclude: the model has no node named '", name, "'");
  for (const auto& name : options.weight_only)
    OCTET_CHECK(std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; }),
                "DynamicQuantOptions::weight_only: the model has no node named '", name, "'");
  OpsetUpgrade up{model, false, ""};
  if (options.per_channel && !options.keep_opset) up = upgrade_for_per_axis(model);
  const int opset = up.graph.opsets.count("") ? up.graph.opsets.at("") : 1;
  OCTET_CHECK(opset >= 10, "the model imports opset ", opset, ": DequantizeLinear needs opset 10 or later");
  const bool per_channel = options.per_channel && opset >= kPerAxisOpset;

  Graph folded = up.graph;
  fold_constants(folded);  // weights behind Unsqueeze/Transpose of a constant become constants
  Graph g = folded;
  QuantizeReport r;
  std::vector<Node> nodes;
  std::vector<std::string> dynamic_nodes;
  std::map<std::string, std::string> dequantized;  // weight/axis/symmetric -> its DequantizeLinear's output
  auto is_chosen = [&](const Node& n) {
    return std::find(options.op_types.begin(), options.op_types.end(), n.op_type) != options.op_types.end();
  };
  auto is_excluded = [&](const Node& n) {
    return std::find(options.exclude.begin(), options.exclude.end(), n.name) != options.exclude.end();
  };
  for (const Node& n : folded.nodes) {
    if (!is_chosen(n) || !n.domain.empty() || n.op_type == "Gather") {  // Gather: quantize_embeddings below
      nodes.push_back(n);
      continue;
    }
    if (is_excluded(n)) {
      r.float_nodes.push_back(n.name + ": excluded");
      nodes.push_back(n);
      continue;
    }
    std::string why;
    for (const WeightSlot& s : weight_slots(n)) {
      const Tensor* w = n.has_input(s.input) ? folded.find_initializer(n.inputs[s.input]) : nullptr;
      if (!w) why = "weight '" + (n.has_input(s.input) ? n.inputs[s.input] : std::string("?")) + "' is not a constant";
      else if (w->dtype() != DType::kFloat32) why = "weight is not float32";
      else if (w->rank() <= quant::weight_channel_axis(n, w->rank()) || (n.op_type == "MatMul" && w->rank() != 2))
        why = "weight of rank " + std::to_string(w->rank());
      if (!why.empty()) break;
    }
    if (!why.empty()) {
      r.float_nodes.push_back(n.name + ": " + why);
      nodes.push_back(n);
      continue;
    }
    Node q = n;
    for (const WeightSlot& s : weight_slots(n)) {
      const std::string& w_name = n.inputs[s.input];
      const Tensor& w = *folded.find_initializer(w_name);
      const int axis = quant::weight_channel_axis(n, w.rank());
      // A weight several nodes read the same way (tied weights) is stored and dequantized once.
      const std::string key = cat(w_name, "/", axis, "/", s.symmetric);
      if (auto done = dequantized.find(key); done != dequantized.end()) {
        q.inputs[s.input] = done->second;
        continue;
      }
      const quant::QScheme scheme{DType::kInt8, s.symmetric, options.reduce_weight_range, per_channel ? axis : -1};
      const quant::TensorQParams qp = quant::weight_qparams(w, scheme, "weight '" + w_name + "' of " + n.describe());
      const std::string codes_name = fresh_name(g, w_name + "_quantized");
      g.initializers[codes_name] = quant::quantize_weight(w, qp);
      const std::string scale_name = fresh_name(g, w_name + "_scale");
      g.initializers[scale_name] = quant::scale_tensor(qp);
      const std::string zp_name = fresh_name(g, w_name + "_zero_point");
      g.initializers[zp_name] = quant::zero_point_tensor(qp);
      Node dq;
      dq.name = fresh_name(g, n.name + "_" + w_name + "_DequantizeLinear");
      dq.op_type = "DequantizeLinear";
      dq.opset = n.opset;
      dq.inputs = {codes_name, scale_name, zp_name};
      dq.outputs = {fresh_name(g, w_name + "_dequantized")};
      g.value_info.erase(dq.outputs[0]);
      if (per_channel) dq.attrs["axis"] = int_attr(axis);
      q.inputs[s.input] = dq.outputs[0];
      dequantized[key] = dq.outputs[0];
      nodes.push_back(dq);
      g.nodes.push_back(dq);  // g.nodes only feeds fresh_name until it is replaced below
    }
    nodes.push_back(q);
    if (std::find(options.weight_only.begin(), options.weight_only.end(), n.name) != options.weight_only.end()) {
      r.float_nodes.push_back(n.name + ": weight-only (int8 weights, float activations)");
      continue;
    }
    dynamic_nodes.push_back(n.name);
    r.quantized_nodes.push_back(n.name);
  }
  g.nodes = std::move(nodes);
  drop_unused_initializers(g);
  for (const std::string& name : quantize_embeddings(g, [&](const Node& n) { return is_chosen(n) && !is_excluded(n); }))
    r.quantized_nodes.push_back(name);
  if (!up.note.empty()) r.notes.push_back(up.note);
  else if (options.per_channel && !per_channel)
    r.notes.push_back("opset " + std::to_string(opset) + " kept (keep_opset): weights per tensor, which loses " +
                      "accuracy where channel ranges differ (per-axis DequantizeLinear needs opset 13)");
  g.metadata["octet.dynamic"] =
      nlohmann::json{{"nodes", dynamic_nodes}, {"per_token", options.per_token}, {"reduce_range", options.reduce_range}}
          .dump();
  if (report) {
    for (const auto& [_, t] : model.initializers) r.fp32_weight_bytes += static_cast<int64_t>(t.nbytes());
    for (const auto& [_, t] : g.initializers) r.quantized_weight_bytes += static_cast<int64_t>(t.nbytes());
    r.float_tensors = float_tensors(g, r.float_nodes);
    *report = std::move(r);
  }
  return g;
}

}  // namespace octet
