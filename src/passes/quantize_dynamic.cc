// octet::quantize_dynamic (include/octet/quantize.h): weights int8 offline, activations
// quantized at run time (the seeds' "dynamic quantization"). The weight of each chosen node becomes
// an int8 initializer behind a DequantizeLinear, a graph ONNX Runtime runs as it stands
// (weight-only); graph.metadata["octet.dynamic"] names the nodes lower_dynamic runs in INT8.
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "octet/quantize.h"
#include "passes/float_tensors.h"
#include "passes/upgrade_opset.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"
#include "passes/quantize_embeddings.h"
#include "quant/observers/observer.h"
#include "quant/qmath.h"

namespace octet {

namespace {

// Index of the constant weight input(s), the axis of output channels in each, and the mapping.
struct WeightSlot {
  size_t input;
  int axis;
  bool symmetric;
};

std::vector<WeightSlot> weight_slots(const Node& n) {
  if (n.op_type == "MatMul") return {{1, 1, true}};
  if (n.op_type == "Gemm") return {{1, n.attr_int("transB", 0) ? 0 : 1, true}};
  if (n.op_type == "Conv") return {{1, 0, true}};
  // LSTM/GRU W [dirs, gates*hidden, input] and R [dirs, gates*hidden, hidden]: one scale per gate
  // row, shared by the directions (DequantizeLinear has one axis). Affine, not symmetric: the
  // recurrence carries every step's weight rounding into the next, and a row's [min, max] in 255
  // steps is never coarser than [-max|w|, max|w|] in 254 (Silero's LSTM: 0.86x the step on
  // average, 0.62x at best; its output error fell from 1.27e-2 to under 1e-2, docs/dynamic_ptq.md).
  // The zero points cost one row sum of x or h per GEMM, next to nothing beside a cell's gates.
  if (n.op_type == "LSTM" || n.op_type == "GRU") return {{1, 1, false}, {2, 1, false}};
  return {};
}

// int8 qparams per slice of `axis` (or one for the tensor): symmetric is PyTorch's
// per_channel_symmetric qint8 weight observer (docs/quantization.md eq. (O1)), affine (O2).
quant::TensorQParams weight_qparams(const Tensor& w, int axis, bool per_channel, bool symmetric,
                                    const std::string& what) {
  const int64_t channels = per_channel ? w.dim(axis) : 1;
  int64_t inner = 1;
  for (int d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
  std::vector<float> lo(channels, 0.0f), hi(channels, 0.0f);
  const float* d = w.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i) {
    OCTET_CHECK(std::isfinite(d[i]), what, " holds ", d[i], " at flat index ", i, ": cannot quantize it");
    const int64_t c = per_channel ? (i / inner) % w.dim(axis) : 0;
    lo[c] = std::min(lo[c], d[i]);
    hi[c] = std::max(hi[c], d[i]);
  }
  quant::QScheme s{DType::kInt8, symmetric, false, per_channel ? axis : -1};
  return quant::qparams_from_range(lo, hi, s);
}

}  // namespace

Graph quantize_dynamic(const Graph& model, const DynamicQuantOptions& options, QuantizeReport* report) {
  static const std::set<std::string> kSupported = {"MatMul", "Gemm", "LSTM", "GRU", "Conv", "Gather"};
  for (const auto& op : options.op_types)
    OCTET_CHECK(kSupported.count(op), "--ops: '", op,
                "' cannot be quantized dynamically (MatMul, Gemm, LSTM, GRU, Conv, Gather)");
  for (const auto& name : options.exclude)
    OCTET_CHECK(std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; }),
                "--exclude: the model has no node named '", name, "'");
  for (const auto& name : options.weight_only)
    OCTET_CHECK(std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; }),
                "weight-only: the model has no node named '", name, "'");
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
      else if (w->rank() <= s.axis || (n.op_type == "MatMul" && w->rank() != 2)) why = "weight of rank " + std::to_string(w->rank());
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
      // A weight several nodes read the same way (tied weights) is stored and dequantized once.
      const std::string key = cat(w_name, "/", s.axis, "/", s.symmetric);
      if (auto done = dequantized.find(key); done != dequantized.end()) {
        q.inputs[s.input] = done->second;
        continue;
      }
      const Tensor& w = *folded.find_initializer(w_name);
      quant::TensorQParams qp =
          weight_qparams(w, s.axis, per_channel, s.symmetric, "weight '" + w_name + "' of " + n.describe());
      Tensor codes(DType::kInt8, w.shape());
      int64_t inner = 1;
      for (int d = s.axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
      for (int64_t i = 0; i < w.numel(); ++i) {
        const int64_t c = per_channel ? (i / inner) % w.dim(s.axis) : 0;
        codes.data<int8_t>()[i] = quantize_value<int8_t>(w.data<float>()[i], qp.scale[c], qp.zero_point[c]);
      }
      const std::string codes_name = fresh_name(g, w_name + "_quantized");
      g.initializers[codes_name] = codes;
      const std::string scale_name = fresh_name(g, w_name + "_scale");
      g.initializers[scale_name] = per_channel ? Tensor::from_vector<float>({static_cast<int64_t>(qp.scale.size())}, qp.scale)
                                               : Tensor::scalar<float>(qp.scale[0]);
      const std::string zp_name = fresh_name(g, w_name + "_zero_point");
      Tensor zp(DType::kInt8, per_channel ? Shape{static_cast<int64_t>(qp.zero_point.size())} : Shape{});
      for (size_t c = 0; c < qp.zero_point.size(); ++c) zp.data<int8_t>()[c] = static_cast<int8_t>(qp.zero_point[c]);
      g.initializers[zp_name] = zp;
      Node dq;
      dq.name = fresh_name(g, n.name + "_" + w_name + "_DequantizeLinear");
      dq.op_type = "DequantizeLinear";
      dq.opset = n.opset;
      dq.inputs = {codes_name, scale_name, zp_name};
      dq.outputs = {fresh_name(g, w_name + "_dequantized")};
      g.value_info.erase(dq.outputs[0]);
      if (per_channel) dq.attrs["axis"] = int_attr(s.axis);
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
