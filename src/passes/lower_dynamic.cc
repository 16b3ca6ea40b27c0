#include "passes/lower_dynamic.h"

#include <nlohmann/json.hpp>
#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

// The int8 codes and scale behind `value` when it is DequantizeLinear(constant int8 codes of
// `rank`, constant scale, constant int8 zero point), per tensor or along `axis`. With `zero_point`
// null the zero point must be absent or 0; otherwise its name goes there ("" when absent or 0).
bool int8_weight(const Graph& g, const std::string& value, int rank, int axis, std::string* codes, std::string* scale,
                 std::string* zero_point = nullptr) {
  int64_t p = producer_index(g, value);
  if (p < 0) return false;
  const Node& dq = g.nodes[p];
  if (dq.op_type != "DequantizeLinear" || !dq.domain.empty() || dq.inputs.size() < 2) return false;
  const Tensor* w = g.find_initializer(dq.inputs[0]);
  const Tensor* s = g.find_initializer(dq.inputs[1]);
  if (!w || w->dtype() != DType::kInt8 || w->rank() != rank || !s || s->dtype() != DType::kFloat32) return false;
  if (s->numel() != 1) {
    int64_t a = dq.attr_int("axis", 1);
    if (a < 0) a += rank;
    if (a != axis || s->numel() != w->dim(axis)) return false;
  }
  bool zero = true;
  if (dq.has_input(2)) {
    const Tensor* z = g.find_initializer(dq.inputs[2]);
    if (!z || z->dtype() != DType::kInt8 || z->numel() != s->numel()) return false;
    for (int64_t i = 0; i < z->numel(); ++i) zero = zero && z->data<int8_t>()[i] == 0;
  }
  if (!zero && !zero_point) return false;
  *codes = dq.inputs[0];
  *scale = dq.inputs[1];
  if (zero_point) *zero_point = zero ? "" : dq.inputs[2];
  return true;
}

// LSTM / GRU whose W and R are int8 behind DequantizeLinear (one scale and zero point per gate
// row, axis 1) -> com.octet DynamicQuantLSTM / DynamicQuantGRU: the node's inputs with the codes in
// place of W and R, padded to all optional inputs, then W_scale, R_scale and, where not all 0,
// W_zero_point and R_zero_point. `per_step`: X's range per time step (dynamic_quant_rnn.cc's
// per_token attribute).
void lower_rnn(const Graph& g, Node& n, bool per_step) {
  std::string w, ws, wz, r, rs, rz;
  if (!int8_weight(g, n.inputs[1], 3, 1, &w, &ws, &wz) || !int8_weight(g, n.inputs[2], 3, 1, &r, &rs, &rz)) return;
  const bool lstm = n.op_type == "LSTM";
  const size_t n_inputs = lstm ? 8 : 6;
  if (n.inputs.size() > n_inputs) return;
  n.inputs.resize(n_inputs);
  n.inputs[1] = w;
  n.inputs[2] = r;
  n.inputs.push_back(ws);
  n.inputs.push_back(rs);
  if (!wz.empty() || !rz.empty()) {
    n.inputs.push_back(wz);
    n.inputs.push_back(rz);
  }
  set_octet_op(n, lstm ? octet_op::kDynamicQuantLSTM : octet_op::kDynamicQuantGRU);
  n.attrs["per_token"] = int_attr(per_step);
}

// A bias Add after a DynamicQuantMatMul (MatMul exports write x·W + b as MatMul, then Add of a
// constant [N]) moves into the op's epilogue: y = fma(acc, scale, b) instead of a second pass
// over the output. Returns the Adds to remove.
std::set<size_t> fuse_bias_adds(Graph& g) {
  std::set<size_t> fused;
  for (Node& l : g.nodes) {
    if (l.op_type != octet_op::kDynamicQuantMatMul || l.domain != kOctetDomain || l.inputs.size() != 3) continue;
    const Tensor* w = g.find_initializer(l.inputs[1]);
    std::string bias;
    const int64_t c = bias_add_after(g, l.outputs[0], l.attr_int("trans_b", 0) ? w->dim(0) : w->dim(1), &bias);
    if (c < 0) continue;
    l.inputs.push_back(bias);
    absorb_output(l, g.nodes[c]);
    fused.insert(static_cast<size_t>(c));
  }
  return fused;
}

}  // namespace

void lower_dynamic(Graph& g) {
  auto it = g.metadata.find("octet.dynamic");
  if (it == g.metadata.end()) return;
  nlohmann::json spec;
  try {
    spec = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    fail("model metadata 'octet.dynamic' is not valid JSON: ", e.what());
  }
  std::set<std::string> names;
  bool per_token = false, rnn_per_step = false, reduce_range = false;
  try {
    for (const auto& n : spec.at("nodes")) names.insert(n.get<std::string>());
    per_token = spec.value("per_token", false);
    // LSTM/GRU inputs per time step unless the file says "rnn_per_step": false (the default:
    // never coarser than one range, and cheap; docs/dynamic_ptq.md).
    rnn_per_step = spec.value("rnn_per_step", true) || per_token;
    reduce_range = spec.value("reduce_range", false);
  } catch (const nlohmann::json::exception& e) {
    fail("model metadata 'octet.dynamic' is malformed: ", e.what());
  }
  for (Node& n : g.nodes) {
    if (!names.count(n.name) || !n.domain.empty()) continue;
    if (n.op_type == "LSTM" || n.op_type == "GRU") {
      lower_rnn(g, n, rnn_per_step);
      continue;
    }
    if (n.op_type != "MatMul" && n.op_type != "Gemm") continue;
    bool trans_b = false;
    std::vector<std::string> bias;
    if (n.op_type == "Gemm") {
      if (n.attr_float("alpha", 1) != 1 || n.attr_int("transA", 0)) continue;
      trans_b = n.attr_int("transB", 0) != 0;
      if (n.has_input(2)) {
        const Tensor* c = g.find_initializer(n.inputs[2]);
        if (!c || c->dtype() != DType::kFloat32 || c->rank() != 1 || n.attr_float("beta", 1) != 1) continue;
        bias.push_back(n.inputs[2]);
      }
    }
    std::string codes, scale;
    if (!int8_weight(g, n.inputs[1], 2, trans_b ? 0 : 1, &codes, &scale)) continue;
    Node l;
    l.name = n.name;
    set_octet_op(l, octet_op::kDynamicQuantMatMul);
    l.inputs = {n.inputs[0], codes, scale};
    l.inputs.insert(l.inputs.end(), bias.begin(), bias.end());
    l.outputs = {n.outputs[0]};
    l.attrs["trans_b"] = int_attr(trans_b);
    l.attrs["per_token"] = int_attr(per_token);
    l.attrs["reduce_range"] = int_attr(reduce_range);
    n = l;
  }
  std::set<size_t> dead = fuse_bias_adds(g);
  // The weights' DequantizeLinear nodes nobody reads any more.
  std::set<std::string> read;
  for (const Node& n : g.nodes)
    for (const auto& in : n.inputs) read.insert(in);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (dead.count(i) == 0 && g.nodes[i].op_type == "DequantizeLinear" && !read.count(g.nodes[i].outputs[0]) &&
        !is_graph_output(g, g.nodes[i].outputs[0]))
      dead.insert(i);
  remove_nodes(g, dead);
  g.opsets[kOctetDomain] = 1;
}

}  // namespace octet
