// lower_static: QDQ units -> com.octet INT8 ops (src/ops/int8_*.cc). A unit is matched only
// when every value it reads and writes is quantized per tensor to uint8 with constant qparams, so
// the lowered op computes the QDQ reference's answer within one output step (docs/lowering.md).
// Anything else is left as it is and still runs in float.
#include "passes/lower_static.h"

#include <cmath>
#include <map>
#include <set>

#include "ir/octet_ops.h"
#include "kernels/qmath.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"
#include "passes/unary_islands.h"
#include "quant/weight_quant.h"

namespace octet {

namespace {

struct QParam {
  float scale = 1;
  int32_t zp = 0;
};

class Lowering {
 public:
  explicit Lowering(Graph& g) : g_(g) {}

  void run() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (gone_.count(i)) continue;
      const std::string& op = g_.nodes[i].op_type;
      if (!g_.nodes[i].domain.empty()) continue;
      // Every pattern reads a data input 0 and writes output 0: a node without them (hostile files,
      // the importer keeps them for the op to refuse) is left as it is.
      if (g_.nodes[i].inputs.empty() || g_.nodes[i].outputs.empty()) continue;
      if (is_scalar_elementwise(g_, g_.nodes[i]) && lower_island(i)) continue;
      if (op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul") lower_weighted(i);
      else if (op == "Add") lower_add(i);
      else if (op == "Mul") lower_mul(i);
      else if (op == "GlobalAveragePool" || (op == "ReduceMean" && is_global_average(g_, g_.nodes[i])))
        lower_simple(i, octet_op::kInt8GlobalAveragePool);
      else if (op == "AveragePool") lower_average_pool(i);
      else if (op == "Concat") lower_concat(i);
      else if (op == "MaxPool" || op == "Reshape" || op == "Flatten" || op == "Transpose" || op == "Squeeze" ||
               op == "Unsqueeze" || op == "Resize")
        lower_code_move(i);
    }
    std::vector<Node> kept;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      auto it = replacement_.find(i);
      if (it != replacement_.end()) kept.push_back(it->second);
      else if (!gone_.count(i)) kept.push_back(std::move(g_.nodes[i]));
    }
    g_.nodes = std::move(kept);
    remove_dead_qdq();
  }

 private:
  // g_.nodes keeps its order and contents until run() ends (lowered nodes wait in replacement_),
  // so graph_util's queries answer for the graph as imported.
  const Node* producer(const std::string& v) const {
    const int64_t p = producer_index(g_, v);
    return p < 0 || gone_.count(static_cast<size_t>(p)) ? nullptr : &g_.nodes[p];
  }

  // Per-tensor uint8 qparams of a QuantizeLinear / DequantizeLinear node, from constants.
  bool qparams_of(const Node& n, QParam* q) const {
    if (n.inputs.size() < 2 || n.attr_int("block_size", 0) != 0) return false;
    const Tensor* s = g_.find_initializer(n.inputs[1]);
    if (!s || s->dtype() != DType::kFloat32 || s->numel() != 1) return false;
    q->scale = s->data<float>()[0];
    if (!std::isfinite(q->scale) || q->scale <= 0) return false;
    q->zp = 0;
    if (n.has_input(2)) {
      const Tensor* z = g_.find_initializer(n.inputs[2]);
      if (!z || z->dtype() != DType::kUInt8 || z->numel() != 1) return false;
      q->zp = z->data<uint8_t>()[0];
    } else if (n.op_type == "QuantizeLinear" && n.attr_int("output_dtype", 0) != 0) {
      return false;
    }
    return true;
  }

  // v = DequantizeLinear(code) of a uint8 activation (or, when `constant_ok`, of a quantized
  // constant operand): the code value and its qparams.
  bool dequantized(const std::string& v, std::string* code, QParam* q, bool constant_ok = false) const {
    const Node* d = producer(v);
    if (!d || d->op_type != "DequantizeLinear" || !d->domain.empty() || d->inputs.empty() ||
        (!constant_ok && g_.find_initializer(d->inputs[0])))
      return false;
    if (!qparams_of(*d, q)) return false;
    *code = d->inputs[0];
    return true;
  }

  // v is read only by one QuantizeLinear to uint8 (and is no graph output): that node's index.
  int64_t sole_quantize(const std::string& v, QParam* q) const {
    const int64_t r = sole_consumer(g_, v);
    if (r < 0) return -1;
    const Node& n = g_.nodes[r];
    return n.op_type == "QuantizeLinear" && n.domain.empty() && qparams_of(n, q) ? r : -1;
  }

  Node lowered(const Node& from, const std::string& op, std::vector<std::string> inputs, const std::string& out) {
    Node n;
    n.name = from.name;
    set_octet_op(n, op);
    n.inputs = std::move(inputs);
    n.outputs = {out};
    return n;
  }

  std::string add_initializer(const std::string& base, Tensor t) {
    std::string name = fresh_name(g_, base);
    g_.initializers[name] = std::move(t);
    return name;
  }

  void set_io_params(Node& n, const QParam& x, const QParam& y) {
    n.attrs["x_scale"] = float_attr(x.scale);
    n.attrs["x_zero_point"] = int_attr(x.zp);
    n.attrs["y_scale"] = float_attr(y.scale);
    n.attrs["y_zero_point"] = int_attr(y.zp);
  }

  // The output clamp of a fused Relu/Clip node, in codes of `y` (quantization is monotonic, so
  // quantize(clip(v)) = clip(quantize(v)) with the bounds quantized too).
  bool clamp_of(const Node& act, const QParam& y, int32_t* qmin, int32_t* qmax) const {
    *qmin = 0;
    *qmax = 255;
    float lo = -INFINITY, hi = INFINITY;
    if (act.op_type == "Relu") {
      lo = 0;
    } else if (act.op_type == "Clip") {
      lo = clip_bound(g_, act, 1, "min", -INFINITY);
      hi = clip_bound(g_, act, 2, "max", INFINITY);
      if (std::isnan(lo) || std::isnan(hi)) return false;  // a bound that is not a constant
    } else {
      return false;
    }
    if (std::isfinite(lo)) *qmin = quantize_value<uint8_t>(lo, y.scale, y.zp);
    if (std::isfinite(hi)) *qmax = quantize_value<uint8_t>(hi, y.scale, y.zp);
    return *qmin <= *qmax;
  }

  void lower_weighted(size_t i) {
    const Node& n = g_.nodes[i];
    std::string x_code;
    QParam xq;
    if (n.inputs.size() < 2 || !dequantized(n.inputs[0], &x_code, &xq)) return;  // no weight: the op refuses it
    if (n.op_type == "Conv") {
      if (n.attr_string("auto_pad", "NOTSET") != "NOTSET") return;
    } else if (n.op_type == "ConvTranspose") {
      if (n.attr_string("auto_pad", "NOTSET") != "NOTSET" || n.has_attr("output_shape") || n.attr_int("group", 1) != 1)
        return;
    } else if (n.op_type == "Gemm") {
      if (n.attr_float("alpha", 1) != 1 || n.attr_float("beta", 1) != 1 || n.attr_int("transA", 0)) return;
    }
    // The weight: DequantizeLinear of a constant int8 tensor, per tensor or per output channel.
    const Node* wdq = producer(n.inputs[1]);
    if (!wdq || wdq->op_type != "DequantizeLinear" || wdq->inputs.empty()) return;
    const Tensor* w = g_.find_initializer(wdq->inputs[0]);
    const Tensor* ws = wdq->inputs.size() > 1 ? g_.find_initializer(wdq->inputs[1]) : nullptr;
    const Tensor* wz = wdq->has_input(2) ? g_.find_initializer(wdq->inputs[2]) : nullptr;
    if (!w || w->dtype() != DType::kInt8 || !ws || ws->dtype() != DType::kFloat32 || (wdq->has_input(2) && !wz)) return;
    const bool conv = n.op_type == "Conv" || n.op_type == "ConvTranspose";
    if (conv ? w->rank() != 4 : w->rank() != 2) return;
    const int channel_axis = quant::weight_channel_axis(n, w->rank());
    const int64_t channels = w->dim(channel_axis);
    if (ws->numel() != 1) {
      int64_t axis = wdq->attr_int("axis", 1);
      if (axis < 0) axis += w->rank();
      if (axis != channel_axis || ws->numel() != channels) return;
    }
    if (wz && (wz->dtype() != DType::kInt8 || wz->numel() != ws->numel())) return;
    // The bias, as int32 codes of scale x_scale * w_scale[c] (re-derived when stored otherwise).
    std::vector<float> bias_f;
    if (n.has_input(2)) {
      const Tensor* b = g_.find_initializer(n.inputs[2]);
      const Node* bdq = producer(n.inputs[2]);
      if (b && b->dtype() == DType::kFloat32 && b->numel() == channels) {
        bias_f.assign(b->data<float>(), b->data<float>() + channels);
      } else if (bdq && bdq->op_type == "DequantizeLinear" && !bdq->inputs.empty()) {
        // x = (q - z) * s, eq. (1), per tensor or per channel.
        const Tensor* bq = g_.find_initializer(bdq->inputs[0]);
        const Tensor* bs = bdq->inputs.size() > 1 ? g_.find_initializer(bdq->inputs[1]) : nullptr;
        const Tensor* bz = bdq->has_input(2) ? g_.find_initializer(bdq->inputs[2]) : nullptr;
        if (!bq || bq->dtype() != DType::kInt32 || bq->numel() != channels || !bs || bs->dtype() != DType::kFloat32 ||
            (bs->numel() != 1 && bs->numel() != channels) ||
            (bdq->has_input(2) && (!bz || bz->dtype() != DType::kInt32)))
          return;
        for (int64_t c = 0; c < channels; ++c) {
          const int64_t k = bs->numel() == 1 ? 0 : c;
          const int32_t z = bz ? bz->data<int32_t>()[bz->numel() == 1 ? 0 : k] : 0;
          bias_f.push_back(dequantize_value<int32_t>(bq->data<int32_t>()[c], bs->data<float>()[k], z));
        }
      } else {
        return;
      }
    }
    // A MatMul's bias is the Add of a constant [N] after it (a Linear as exporters write it).
    std::string out = n.outputs[0];
    int64_t bias_add = -1;
    if (n.op_type == "MatMul" && bias_f.empty()) {
      std::string bias_name;
      bias_add = bias_add_after(g_, out, channels, &bias_name);
      if (bias_add >= 0) {
        const Tensor* b = g_.find_initializer(bias_name);
        bias_f.assign(b->data<float>(), b->data<float>() + channels);
        out = g_.nodes[bias_add].outputs[0];
      }
    }
    // Output: optionally one Relu/Clip, then one QuantizeLinear to uint8.
    int64_t act = -1;
    int64_t r = sole_consumer(g_, out);
    if (r >= 0 && (g_.nodes[r].op_type == "Relu" || g_.nodes[r].op_type == "Clip") && g_.nodes[r].inputs[0] == out) {
      act = r;
      out = g_.nodes[r].outputs[0];
    }
    QParam yq;
    const int64_t qi = sole_quantize(out, &yq);
    if (qi < 0) return;
    int32_t qmin = 0, qmax = 255;
    if (act >= 0 && !clamp_of(g_.nodes[act], yq, &qmin, &qmax)) return;

    // The weight's qparams are the QDQ graph's to keep: a bias too large for them stays in float.
    Tensor bias_i32(DType::kInt32, {channels});
    if (!quant::quantize_bias(bias_f, xq.scale, {ws->data<float>(), static_cast<size_t>(ws->numel())},
                              bias_i32.data<int32_t>()))
      return;
    std::vector<std::string> inputs = {x_code, wdq->inputs[0], wdq->inputs[1], wz ? wdq->inputs[2] : ""};
    if (!bias_f.empty()) inputs.push_back(add_initializer(n.name + "_bias_int32", bias_i32));
    const char* op = n.op_type == "Conv"            ? octet_op::kInt8Conv
                     : n.op_type == "ConvTranspose" ? octet_op::kInt8ConvTranspose
                                                    : octet_op::kInt8MatMul;
    Node l = lowered(n, op, inputs, g_.nodes[qi].outputs[0]);
    set_io_params(l, xq, yq);
    l.attrs["qmin"] = int_attr(qmin);
    l.attrs["qmax"] = int_attr(qmax);
    if (conv) {
      for (const char* key : {"pads", "strides", "dilations", "group", "output_padding"})
        if (n.has_attr(key)) l.attrs[key] = *n.find_attr(key);
    } else {
      l.attrs["trans_b"] = int_attr(n.op_type == "Gemm" && n.attr_int("transB", 0) != 0);
    }
    replace(i, l, {bias_add, act, qi});
  }

  // Int8Add / Int8Mul of codes a and b into `out`, with the three qparams as attributes.
  Node lowered_binary(const Node& n, const char* op, const std::string& a, const QParam& aq, const std::string& b,
                      const QParam& bq, const std::string& out, const QParam& yq) {
    Node l = lowered(n, op, {a, b}, out);
    l.attrs["a_scale"] = float_attr(aq.scale);
    l.attrs["a_zero_point"] = int_attr(aq.zp);
    l.attrs["b_scale"] = float_attr(bq.scale);
    l.attrs["b_zero_point"] = int_attr(bq.zp);
    l.attrs["y_scale"] = float_attr(yq.scale);
    l.attrs["y_zero_point"] = int_attr(yq.zp);
    return l;
  }

  // Both operands of a binary op dequantized uint8 codes, at most one of them a constant's.
  bool binary_operands(const Node& n, std::string* a, QParam* aq, std::string* b, QParam* bq) const {
    return n.inputs.size() == 2 && dequantized(n.inputs[0], a, aq, true) && dequantized(n.inputs[1], b, bq, true) &&
           !(g_.find_initializer(*a) && g_.find_initializer(*b));
  }

  // Add of two dequantized uint8 operands, numpy broadcasting (-> optional Relu) -> Q.
  void lower_add(size_t i) {
    const Node& n = g_.nodes[i];
    std::string a, b;
    QParam aq, bq, yq;
    if (!binary_operands(n, &a, &aq, &b, &bq)) return;
    std::string out = n.outputs[0];
    int64_t act = -1, r = sole_consumer(g_, out);
    if (r >= 0 && g_.nodes[r].op_type == "Relu") {
      act = r;
      out = g_.nodes[r].outputs[0];
    }
    const int64_t qi = sole_quantize(out, &yq);
    if (qi < 0) return;
    Node l = lowered_binary(n, octet_op::kInt8Add, a, aq, b, bq, g_.nodes[qi].outputs[0], yq);
    if (act >= 0) l.attrs["qmin"] = int_attr(yq.zp);
    replace(i, l, {act, qi});
  }

  // DQ -> op -> Q where the op's lowered form takes x and y qparams as attributes.
  void lower_simple(size_t i, const std::string& op) {
    const Node& n = g_.nodes[i];
    std::string x;
    QParam xq, yq;
    if (!dequantized(n.inputs[0], &x, &xq)) return;
    const int64_t qi = sole_quantize(n.outputs[0], &yq);
    if (qi < 0) return;
    Node l = lowered(n, op, {x}, g_.nodes[qi].outputs[0]);
    set_io_params(l, xq, yq);
    replace(i, l, {qi});
  }

  // DQ -> AveragePool (2-D) -> Q: the pool's window attributes and the two qparams.
  void lower_average_pool(size_t i) {
    const Node& n = g_.nodes[i];
    if (n.attr_ints("kernel_shape").size() != 2) return;
    std::string x;
    QParam xq, yq;
    if (!dequantized(n.inputs[0], &x, &xq)) return;
    const int64_t qi = sole_quantize(n.outputs[0], &yq);
    if (qi < 0) return;
    Node l = lowered(n, octet_op::kInt8AveragePool, {x}, g_.nodes[qi].outputs[0]);
    for (const char* key :
         {"kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode", "count_include_pad"})
      if (n.has_attr(key)) l.attrs[key] = *n.find_attr(key);
    set_io_params(l, xq, yq);
    replace(i, l, {qi});
  }

  void lower_concat(size_t i) {
    const Node& n = g_.nodes[i];
    std::vector<std::string> codes;
    std::vector<float> scales;
    std::vector<int64_t> zps;
    for (const auto& in : n.inputs) {
      std::string c;
      QParam q;
      if (!dequantized(in, &c, &q)) return;
      codes.push_back(c);
      scales.push_back(q.scale);
      zps.push_back(q.zp);
    }
    QParam yq;
    const int64_t qi = sole_quantize(n.outputs[0], &yq);
    if (qi < 0) return;
    Node l = lowered(n, octet_op::kInt8Concat, codes, g_.nodes[qi].outputs[0]);
    l.attrs["axis"] = *n.find_attr("axis");
    l.attrs["scales"] = floats_attr(scales);
    l.attrs["zero_points"] = ints_attr(zps);
    l.attrs["y_scale"] = float_attr(yq.scale);
    l.attrs["y_zero_point"] = int_attr(yq.zp);
    replace(i, l, {qi});
  }

  // MaxPool and the shape ops move codes: with the same qparams in and out they run on uint8;
  // Resize interpolates the codes (ops/resize.cc rounds them), as the QDQ reference would.
  void lower_code_move(size_t i) {
    const Node& n = g_.nodes[i];
    std::string x;
    QParam xq, yq;
    if (!dequantized(n.inputs[0], &x, &xq)) return;
    if (n.op_type == "MaxPool" && n.outputs.size() > 1 && !n.outputs[1].empty()) return;
    const int64_t qi = sole_quantize(n.outputs[0], &yq);
    if (qi < 0 || xq.scale != yq.scale || xq.zp != yq.zp) return;
    Node l = n;
    l.inputs[0] = x;
    l.outputs = {g_.nodes[qi].outputs[0]};
    if (n.op_type == "MaxPool" && plain_2d_max_pool(n)) {
      set_octet_op(l, octet_op::kInt8MaxPool);
      l.attrs.erase("ceil_mode");
      l.attrs.erase("dilations");
      l.attrs.erase("storage_order");
    }
    replace(i, l, {qi});
  }

  // The MaxPool Int8MaxPool runs: 2-D, explicit pads, floor mode, no dilation.
  static bool plain_2d_max_pool(const Node& n) {
    if (n.attr_ints("kernel_shape").size() != 2 || n.attr_int("ceil_mode", 0) != 0 ||
        n.attr_string("auto_pad", "NOTSET") != "NOTSET" || n.attr_int("storage_order", 0) != 0)
      return false;
    for (int64_t d : n.attr_ints("dilations", {1, 1}))
      if (d != 1) return false;
    return true;
  }

  // A unary island (unary_islands.h: one op, or several computing a function of one value such
  // as x * Sigmoid(x)) between a DQ and a Q: tabulated over the 256 codes by running the island's
  // own float ops, so the lookup equals the QDQ reference exactly.
  bool lower_island(size_t end) {
    std::optional<UnaryIsland> island = unary_island_ending_at(g_, end);
    if (!island) return false;
    for (size_t k : island->nodes)
      if (gone_.count(k) || replacement_.count(k)) return false;
    std::string x;
    QParam xq, yq;
    if (!dequantized(island->input, &x, &xq)) return false;
    const Node& last = g_.nodes[end];
    const int64_t qi = sole_quantize(last.outputs[0], &yq);
    if (qi < 0) return false;
    Tensor codes(DType::kFloat32, {256});
    for (int c = 0; c < 256; ++c) codes.data<float>()[c] = dequantize_value<uint8_t>(c, xq.scale, xq.zp);
    std::vector<const Node*> nodes;
    for (size_t k : island->nodes) nodes.push_back(&g_.nodes[k]);
    Tensor y = evaluate_nodes(g_, nodes, {{island->input, codes}}).at(last.outputs[0]);
    if (y.dtype() != DType::kFloat32 || y.numel() != 256) return false;
    Tensor table(DType::kUInt8, {256});
    for (int c = 0; c < 256; ++c)
      table.data<uint8_t>()[c] = quantize_value<uint8_t>(y.data<float>()[c], yq.scale, yq.zp);
    Node l = lowered(last, octet_op::kInt8Lookup, {x, add_initializer(last.name + "_table", table)},
                     g_.nodes[qi].outputs[0]);
    // The table needs no qparams; the output's are kept for the tools reading codes (run --stats).
    l.attrs["y_scale"] = float_attr(yq.scale);
    l.attrs["y_zero_point"] = int_attr(yq.zp);
    replace(end, l, {qi});
    for (size_t k : island->nodes)
      if (k != end) gone_.insert(k);
    return true;
  }

  // Mul of two dequantized uint8 operands (one may be a quantized constant), any numpy broadcast
  // (squeeze-excite's x * gate, a per-channel scale) -> Q.
  void lower_mul(size_t i) {
    const Node& n = g_.nodes[i];
    std::string a, b;
    QParam aq, bq, yq;
    if (!binary_operands(n, &a, &aq, &b, &bq)) return;
    const int64_t qi = sole_quantize(n.outputs[0], &yq);
    if (qi < 0) return;
    replace(i, lowered_binary(n, octet_op::kInt8Mul, a, aq, b, bq, g_.nodes[qi].outputs[0], yq), {qi});
  }

  // Node i becomes `l`; the nodes in `absorbed` (-1 entries ignored) disappear.
  void replace(size_t i, const Node& l, std::initializer_list<int64_t> absorbed) {
    replacement_[i] = l;
    for (int64_t k : absorbed)
      if (k >= 0) gone_.insert(static_cast<size_t>(k));
  }

  // DequantizeLinear / QuantizeLinear nodes nothing reads any more, then unread initializers.
  void remove_dead_qdq() {
    for (bool changed = true; changed;) {
      changed = false;
      std::set<std::string> read;
      for (const Node& n : g_.nodes)
        for (const auto& in : n.inputs) read.insert(in);
      std::set<size_t> dead;
      for (size_t i = 0; i < g_.nodes.size(); ++i) {
        const Node& n = g_.nodes[i];
        if (n.op_type != "DequantizeLinear" && n.op_type != "QuantizeLinear") continue;
        if (!read.count(n.outputs[0]) && !is_graph_output(g_, n.outputs[0])) dead.insert(i);
      }
      if (!dead.empty()) {
        remove_nodes(g_, dead);
        changed = true;
      }
    }
  }

  Graph& g_;
  std::map<size_t, Node> replacement_;
  std::set<size_t> gone_;
};

}  // namespace

void lower_static(Graph& g) {
  Lowering(g).run();
  if (!g.opsets.count(kOctetDomain)) g.opsets[kOctetDomain] = 1;
}

}  // namespace octet
