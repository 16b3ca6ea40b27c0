#include "debug/layer_match.h"

#include <algorithm>
#include <map>
#include <set>

#include "ir/octet_ops.h"
#include "ir/topo_sort.h"

namespace octet {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// Ops whose error is usually the layer's own: they carry weights.
bool is_weighted_op(const std::string& op) {
  static const std::set<std::string> ops = {"Conv", "ConvTranspose", "Gemm",   "MatMul",    "LSTM",
                                            "GRU",  "RNN",           "Gather", "Attention", "Einsum"};
  return ops.count(op) > 0;
}

// An int8 embedding table (passes/quantize_embeddings.h) or a lowered op's int8 weight.
bool reads_8bit_constant(const Graph& g, const Node& n) {
  for (const auto& in : n.inputs) {
    const Tensor* t = in.empty() ? nullptr : g.find_initializer(in);
    if (t && (t->dtype() == DType::kInt8 || t->dtype() == DType::kUInt8)) return true;
  }
  return false;
}

struct Index {
  std::map<std::string, size_t> producer;                // value -> node index
  std::map<std::string, std::vector<size_t>> consumers;  // value -> node indices
  explicit Index(const Graph& g) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const auto& o : g.nodes[i].outputs)
        if (!o.empty()) producer[o] = i;
      for (const auto& in : g.nodes[i].inputs)
        if (!in.empty()) consumers[in].push_back(i);
    }
  }
  const Node* sole_reader(const Graph& g, const std::string& value, const std::string& op) const {
    auto it = consumers.find(value);
    if (it == consumers.end()) return nullptr;
    for (size_t c : it->second)
      if (g.nodes[c].op_type == op && g.nodes[c].domain.empty()) return &g.nodes[c];
    return nullptr;
  }
};

}  // namespace

bool is_quantization_op(const Node& n) {
  const std::string& op = n.op_type;
  // QLinear*: ONNX's and ONNX Runtime's; Int8*, DynamicQuant*: octet's lowered static and dynamic
  // ops (ir/octet_ops.h); DynamicQuantize*: ONNX's and ONNX Runtime's (com.microsoft).
  const bool octet = n.domain == kOctetDomain;
  return op == "QuantizeLinear" || op == "DequantizeLinear" || starts_with(op, "QLinear") ||
         (octet && starts_with(op, octet_op::kInt8Prefix)) || starts_with(op, octet_op::kDynamicQuantPrefix) ||
         ends_with(op, "Integer");
}

std::vector<MatchedLayer> match_layers(const Graph& float_model, const Graph& quantized) {
  const Index fidx(float_model), qidx(quantized);
  std::map<std::string, const Node*> float_nodes;
  for (const Node& n : float_model.nodes) float_nodes[n.name] = &n;
  std::set<std::string> shared;
  for (const auto& [value, _] : qidx.producer)
    if (fidx.producer.count(value)) shared.insert(value);

  std::vector<MatchedLayer> layers;
  for (size_t qi : topological_order(quantized, false)) {
    for (const std::string& value : quantized.nodes[qi].outputs) {
      if (!shared.count(value)) continue;
      MatchedLayer layer{value, value, "", "", {}};
      // The Q -> DQ pair that quantizes the value: the next layer reads its output.
      std::vector<const Node*> chain;
      if (const Node* q = qidx.sole_reader(quantized, value, "QuantizeLinear"))
        if (const Node* dq = qidx.sole_reader(quantized, q->outputs[0], "DequantizeLinear")) {
          chain = {q, dq};
          layer.probe = dq->outputs[0];
        }
      // The nodes computing the value, back to the previous shared values, graph inputs and
      // constants.
      std::set<size_t> unit;
      std::vector<size_t> stack = {qi};
      while (!stack.empty()) {
        size_t i = stack.back();
        stack.pop_back();
        if (!unit.insert(i).second) continue;
        for (const auto& in : quantized.nodes[i].inputs) {
          auto p = qidx.producer.find(in);
          if (p != qidx.producer.end() && !shared.count(in)) stack.push_back(p->second);
        }
      }
      bool quantized_here = !chain.empty();
      const Node* named = nullptr;
      for (size_t i : unit) {  // ascending index: the model's own order
        const Node& n = quantized.nodes[i];
        quantized_here = quantized_here || is_quantization_op(n) || reads_8bit_constant(quantized, n);
        layer.quantized_nodes.push_back(n.name);
        auto f = float_nodes.find(n.name);
        if (f == float_nodes.end()) continue;
        if (!named || (is_weighted_op(f->second->op_type) && !is_weighted_op(named->op_type))) named = f->second;
      }
      if (!quantized_here) continue;
      for (const Node* n : chain) layer.quantized_nodes.push_back(n->name);
      if (!named) named = &float_model.nodes[fidx.producer.at(value)];
      layer.name = named->name;
      layer.op = named->op_type;
      layers.push_back(std::move(layer));
    }
  }
  return layers;
}

}  // namespace octet
