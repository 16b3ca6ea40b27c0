#include "passes/s8_activations.h"

#include "passes/graph_util.h"

namespace octet {

namespace {

bool is_onnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// The int8 zero point of a QuantizeLinear to int8, or null.
const Tensor* s8_zero_point(const Graph& g, const Node& q) {
  if (!q.has_input(2)) return nullptr;  // no zero point: uint8 (or output_dtype, not rewritten)
  const Tensor* zp = g.find_initializer(q.inputs[2]);
  return zp && zp->dtype() == DType::kInt8 ? zp : nullptr;
}

}  // namespace

int s8_activations_to_u8(Graph& g) {
  int rewritten = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& q = g.nodes[i];
    if (!is_onnx(q, "QuantizeLinear") || q.outputs.size() != 1 || is_graph_output(g, q.outputs[0])) continue;
    const Tensor* zp = s8_zero_point(g, q);
    if (!zp || !g.find_initializer(q.inputs[1])) continue;
    const std::vector<size_t> readers = consumers(g, q.outputs[0]);
    bool only_dq = !readers.empty();
    for (size_t r : readers) {
      const Node& dq = g.nodes[r];
      only_dq = only_dq && is_onnx(dq, "DequantizeLinear") && dq.inputs[0] == q.outputs[0] && dq.inputs.size() >= 3 &&
                dq.inputs[1] == q.inputs[1] && dq.inputs[2] == q.inputs[2] &&
                dq.attr_int("axis", 1) == q.attr_int("axis", 1) && dq.attr_int("block_size", 0) == 0 &&
                q.attr_int("block_size", 0) == 0;
    }
    if (!only_dq) continue;
    Tensor u8(DType::kUInt8, zp->shape());
    for (int64_t k = 0; k < zp->numel(); ++k) u8.data<uint8_t>()[k] = static_cast<uint8_t>(zp->data<int8_t>()[k] + 128);
    const std::string name = fresh_name(g, q.inputs[2] + "_u8");
    g.initializers[name] = u8;
    g.nodes[i].inputs[2] = name;
    for (size_t r : readers) g.nodes[r].inputs[2] = name;
    ++rewritten;
  }
  drop_unused_initializers(g);
  return rewritten;
}

}  // namespace octet
