#include "passes/quantize_embeddings.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "passes/graph_util.h"
#include "quant/weight_quant.h"

namespace octet {

namespace {

constexpr int64_t kMinRowWidth = 16;

bool is_embedding_lookup(const Graph& g, const Node& n) {
  if (n.op_type != "Gather" || !n.domain.empty() || n.inputs.size() != 2) return false;
  const Tensor* table = g.find_initializer(n.inputs[0]);
  if (!table || table->dtype() != DType::kFloat32 || table->rank() != 2 || table->dim(1) < kMinRowWidth) return false;
  const int64_t axis = n.attr_int("axis", 0);
  return axis == 0 || axis == -2;
}

struct QuantizedTable {
  std::string codes, row_scales;
};

// int8 codes and one symmetric scale per row, s = max|row| / 127 (a row of zeros keeps scale 1: any
// scale codes it exactly). Not the weights' rule (quant/weight_quant.h, eq. (O1) of
// docs/quantization.md: s = max|w| / 127.5 over [-128, 127], floored at float epsilon) on purpose:
// the codes stay within [-127, 127], symmetric, as ONNX Runtime quantizes a symmetric int8 table,
// so octet's tables agree with ORT's (docs/dynamic_ptq.md). The codes are the weights' (eq. (2)).
QuantizedTable add_quantized_table(Graph& g, const std::string& name, const Tensor& table) {
  const int64_t rows = table.dim(0), width = table.dim(1);
  quant::TensorQParams qp;
  qp.dtype = DType::kInt8;
  qp.axis = 0;
  qp.zero_point.assign(rows, 0);
  Tensor scales(DType::kFloat32, {rows, 1});
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = table.data<float>() + r * width;
    float max_abs = 0;
    for (int64_t j = 0; j < width; ++j) {
      OCTET_CHECK(std::isfinite(row[j]), "embedding table '", name, "' holds ", row[j], " at row ", r, ", column ", j,
                  ": cannot quantize it");
      max_abs = std::max(max_abs, std::fabs(row[j]));
    }
    qp.scale.push_back(max_abs > 0 ? max_abs / 127.0f : 1.0f);
    scales.data<float>()[r] = qp.scale.back();
  }
  const Tensor codes = quant::quantize_weight(table, qp);
  QuantizedTable t{fresh_name(g, name + "_quantized"), ""};
  g.initializers[t.codes] = codes;
  t.row_scales = fresh_name(g, name + "_row_scales");
  g.initializers[t.row_scales] = scales;
  return t;
}

Node make(const std::string& name, const std::string& op, std::vector<std::string> inputs, std::string output,
          int opset) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = {std::move(output)};
  return n;
}

}  // namespace

std::vector<std::string> quantize_embeddings(Graph& g, const std::function<bool(const Node&)>& chosen) {
  std::map<std::string, QuantizedTable> quantized;  // by float table
  std::vector<std::string> rewritten;
  std::vector<Node> nodes;
  const std::vector<Node> original = g.nodes;  // g.nodes also collects the new nodes, for fresh_name
  for (const Node& n : original) {
    if (!is_embedding_lookup(g, n) || !chosen(n)) {
      nodes.push_back(n);
      continue;
    }
    const std::string& table = n.inputs[0];
    auto it = quantized.find(table);
    if (it == quantized.end())
      it = quantized.emplace(table, add_quantized_table(g, table, *g.find_initializer(table))).first;
    const QuantizedTable& q = it->second;
    // Each new value and node is named before the next is, so fresh_name sees them all.
    const std::string codes = fresh_name(g, n.outputs[0] + "_codes");
    g.value_info.erase(codes);
    Node gather_codes = make(n.name, "Gather", {q.codes, n.inputs[1]}, codes, n.opset);
    gather_codes.attrs = n.attrs;
    g.nodes.push_back(gather_codes);
    const std::string as_float = fresh_name(g, n.outputs[0] + "_codes_float");
    Node cast = make(fresh_name(g, n.name + "_Cast"), "Cast", {codes}, as_float, n.opset);
    cast.attrs["to"] = int_attr(1);  // TensorProto FLOAT
    g.nodes.push_back(cast);
    const std::string scales = fresh_name(g, n.outputs[0] + "_row_scales");
    Node gather_scales =
        make(fresh_name(g, n.name + "_scales"), "Gather", {q.row_scales, n.inputs[1]}, scales, n.opset);
    gather_scales.attrs = n.attrs;
    g.nodes.push_back(gather_scales);
    Node mul = make(fresh_name(g, n.name + "_dequantize"), "Mul", {as_float, scales}, n.outputs[0], n.opset);
    g.nodes.push_back(mul);
    for (const Node* m : {&gather_codes, &cast, &gather_scales, &mul}) nodes.push_back(*m);
    rewritten.push_back(n.name);
  }
  g.nodes = std::move(nodes);
  drop_unused_initializers(g);
  return rewritten;
}

bool is_embedding_row_scales(const Graph& g, const std::string& name) {
  const Tensor* t = g.find_initializer(name);
  if (!t || t->dtype() != DType::kFloat32 || t->rank() != 2 || t->dim(1) != 1) return false;
  for (size_t gi : consumers(g, name)) {
    const Node& gather = g.nodes[gi];
    const int64_t m = gather.op_type == "Gather" ? sole_consumer(g, gather.outputs[0]) : -1;
    if (m < 0 || g.nodes[m].op_type != "Mul" || g.nodes[m].inputs.size() != 2) return false;
    const Node& mul = g.nodes[m];
    const int64_t c = producer_index(g, mul.inputs[mul.inputs[0] == gather.outputs[0] ? 1 : 0]);
    const int64_t codes = c >= 0 && g.nodes[c].op_type == "Cast" ? producer_index(g, g.nodes[c].inputs[0]) : -1;
    const Tensor* table =
        codes >= 0 && g.nodes[codes].op_type == "Gather" ? g.find_initializer(g.nodes[codes].inputs[0]) : nullptr;
    if (!table || table->dtype() != DType::kInt8 || table->dim(0) != t->dim(0)) return false;
  }
  return true;
}

}  // namespace octet
