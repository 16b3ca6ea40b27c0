#include "passes/convert.h"

#include <set>
#include <span>

#include "kernels/qmath.h"
#include "passes/graph_util.h"
#include "quant/weight_quant.h"

namespace octet {

namespace {

using quant::QScheme;
using quant::TensorQParams;

// Fresh value/initializer names, never colliding with any name in the graph.
class Names {
 public:
  explicit Names(const Graph& g) {
    for (const auto& [n, _] : g.initializers) used_.insert(n);
    for (const auto& v : g.inputs) used_.insert(v.name);
    for (const auto& v : g.outputs) used_.insert(v.name);
    for (const Node& n : g.nodes) {
      used_.insert(n.name);
      for (const auto& o : n.outputs) used_.insert(o);
      for (const auto& i : n.inputs) used_.insert(i);
    }
  }
  std::string fresh(const std::string& base) {
    std::string s = base;
    for (int k = 1; used_.count(s); ++k) s = base + "_" + std::to_string(k);
    used_.insert(s);
    return s;
  }

 private:
  std::set<std::string> used_;
};

class Converter {
 public:
  Converter(const Graph& g, const QuantPlan& plan, ConvertNotes* notes) : g_(g), plan_(plan), names_(g), notes_(notes) {
    out_ = g;
    out_.nodes.clear();
    opset_ = g.opsets.count("") ? g.opsets.at("") : 1;
    OCTET_CHECK(opset_ >= 10, "the model imports opset ", opset_,
                ": QuantizeLinear/DequantizeLinear need opset 10 or later (re-export the model)");
    per_channel_ok_ = opset_ >= 13;
  }

  Graph run(const std::map<std::string, TensorQParams>& act_qparams) {
    act_ = &act_qparams;
    std::set<std::string> outputs;
    for (const auto& o : g_.outputs) outputs.insert(o.name);
    // Consumers read a quantized value through its DequantizeLinear. For a graph output the DQ
    // output keeps the name (so the graph's interface is unchanged) and the producer is renamed.
    for (const auto& [v, _] : act_qparams) {
      if (outputs.count(v)) {
        producer_rename_[v] = names_.fresh(v + "_prequant");
        dq_name_[v] = v;
      } else {
        dq_name_[v] = names_.fresh(v + "_dequantized");
      }
    }
    std::map<size_t, const QuantUnit*> head_unit;
    for (const QuantUnit& u : plan_.units) head_unit[u.nodes.front()] = &u;

    for (const ValueInfo& in : g_.inputs)
      if (act_qparams.count(in.name)) emit_qdq(in.name, in.name);
    for (const auto& [v, qp] : act_qparams)
      if (const Tensor* t = g_.find_initializer(v)) emit_quantized_constant(v, *t, qp);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      Node n = g_.nodes[i];
      for (auto& in : n.inputs) {
        auto it = dq_name_.find(in);
        if (it != dq_name_.end()) in = it->second;
      }
      auto hu = head_unit.find(i);
      if (hu != head_unit.end() &&
          (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" || n.op_type == "MatMul"))
        quantize_weights(n, *hu->second);
      for (auto& o : n.outputs) {
        auto it = producer_rename_.find(o);
        if (it != producer_rename_.end()) o = it->second;
      }
      out_.nodes.push_back(n);
      for (const auto& o : g_.nodes[i].outputs)
        if (act_qparams.count(o)) emit_qdq(o, producer_rename_.count(o) ? producer_rename_.at(o) : o);
    }
    drop_unused_initializers(out_);
    return std::move(out_);
  }

 private:
  // Q(src) -> DQ -> dq_name_[value], with `value`'s qparams. A uint8 zero point of 0 is left out
  // (after a ReLU or a sigmoid): ONNX reads an absent y_zero_point as uint8 0.
  void emit_qdq(const std::string& value, const std::string& src) {
    const TensorQParams& qp = act_->at(value);
    const std::vector<std::string> qparams = qparam_inputs(value, qp, qp.dtype == DType::kUInt8);
    std::string q = names_.fresh(value + "_quantized");
    std::vector<std::string> q_in{src}, dq_in{q};
    q_in.insert(q_in.end(), qparams.begin(), qparams.end());
    dq_in.insert(dq_in.end(), qparams.begin(), qparams.end());
    out_.nodes.push_back(make_node("QuantizeLinear", q_in, q, -1));
    out_.nodes.push_back(make_node("DequantizeLinear", dq_in, dq_name_.at(value), -1));
  }

  // A quantized constant operand: its codes stored as an initializer, behind a DequantizeLinear.
  void emit_quantized_constant(const std::string& value, const Tensor& t, const TensorQParams& qp) {
    OCTET_CHECK(t.dtype() == DType::kFloat32, "quantized constant '", value, "' is not float32");
    Tensor codes(qp.dtype, t.shape());
    if (qp.dtype == DType::kUInt8)
      quantize_span<uint8_t>(t.data<float>(), t.numel(), qp.scale.at(0), qp.zero_point.at(0), codes.data<uint8_t>());
    else quantize_span<int8_t>(t.data<float>(), t.numel(), qp.scale.at(0), qp.zero_point.at(0), codes.data<int8_t>());
    const std::string q = names_.fresh(value + "_quantized");
    out_.initializers[q] = codes;
    std::vector<std::string> inputs = qparam_inputs(value, qp, false);
    inputs.insert(inputs.begin(), q);
    out_.nodes.push_back(make_node("DequantizeLinear", inputs, dq_name_.at(value), -1));
  }

  // The name for what replaces float constant `name` (its dequantized weight, its rounded bias):
  // `name` itself, the float tensor dropped, when one node reads it (the node's inputs keep their
  // names), else a fresh `name + suffix`.
  std::string take_over(const std::string& name, const std::string& suffix) {
    int readers = 0;
    for (const Node& n : g_.nodes) readers += static_cast<int>(std::count(n.inputs.begin(), n.inputs.end(), name));
    const bool output =
        std::any_of(g_.outputs.begin(), g_.outputs.end(), [&](const ValueInfo& v) { return v.name == name; });
    if (readers != 1 || output) return names_.fresh(name + suffix);
    out_.initializers.erase(name);
    return name;
  }

  // The scale and zero point initializers of `base`'s qparams, the zero point left out where
  // `zero_point_optional` and all zero (ONNX reads an absent zero point as 0, of the codes' type
  // in a DequantizeLinear, as uint8 in a QuantizeLinear).
  std::vector<std::string> qparam_inputs(const std::string& base, const TensorQParams& qp, bool zero_point_optional) {
    const std::string scale = names_.fresh(base + "_scale");
    out_.initializers[scale] = quant::scale_tensor(qp);
    const bool zero = std::all_of(qp.zero_point.begin(), qp.zero_point.end(), [](int32_t z) { return z == 0; });
    if (zero_point_optional && zero) return {scale};
    const std::string zp = names_.fresh(base + "_zero_point");
    out_.initializers[zp] = quant::zero_point_tensor(qp);
    return {scale, zp};
  }

  // A QuantizeLinear or DequantizeLinear goes unnamed: its output (X_quantized, X_dequantized)
  // already says what it is, ONNX node names are optional, and a name repeating the value's was
  // 0.5 % of a depthwise net's file. Node::describe() and octet's importer name it by its output.
  Node make_node(const std::string& op, std::vector<std::string> inputs, const std::string& output, int axis) {
    Node n;
    n.op_type = op;
    n.opset = opset_;
    n.inputs = std::move(inputs);
    n.outputs = {output};
    if (axis >= 0) n.attrs["axis"] = int_attr(axis);
    return n;
  }

  void quantize_weights(Node& n, const QuantUnit& unit) {
    const Node& head = g_.nodes[unit.nodes.front()];
    const std::string w_name = head.inputs[1];
    const Tensor& w = *g_.find_initializer(w_name);
    if (unit.qconfig.weight_per_channel && !per_channel_ok_ && notes_)
      notes_->notes.push_back(n.name + ": per-tensor weights (opset " + std::to_string(opset_) +
                              " < 13 has no per-axis DequantizeLinear)");
    const float x_scale = act_->at(unit.act_inputs.at(0)).scale.at(0);
    UnitWeight uw = unit_weight_qparams(g_, head, unit, x_scale, per_channel_ok_);
    TensorQParams& wq = uw.qp;
    const bool per_channel = wq.axis >= 0;
    const Tensor* bias = uw.bias;
    const size_t bias_input = 2;
    std::span<const float> bias_values;
    if (bias) bias_values = {bias->data<float>(), static_cast<size_t>(bias->numel())};
    const Tensor wi = quant::quantize_weight(w, wq);
    std::string wq_name = names_.fresh(w_name + "_quantized");
    out_.initializers[wq_name] = wi;
    const std::string wdq = take_over(w_name, "_dequantized");
    // A Conv's symmetric weights go without their zero point: ONNX Runtime fuses such a QDQ Conv
    // into QLinearConv, but leaves a QDQ Gemm or MatMul in float (its QGemm fusion wants it).
    std::vector<std::string> w_inputs = qparam_inputs(w_name, wq, n.op_type == "Conv");
    w_inputs.insert(w_inputs.begin(), wq_name);
    out_.nodes.push_back(make_node("DequantizeLinear", w_inputs, wdq, wq.axis));
    n.inputs[1] = wdq;

    if (bias) {
      // The bias is stored as the float values its int32 codes stand for, code * x_scale *
      // w_scale[c] (eq. (B1)): the QDQ graph's float semantics are those of an int32 bias behind a
      // DequantizeLinear, at half the bytes (no codes plus per-channel scales, about 2 % of a
      // depthwise net's file). ONNX Runtime and octet's lowering (lower_static.cc) re-derive
      // the codes at load: exactly while |code| < 2^22 (the float product's error stays under a
      // quarter step), within 2^-22 of the code beyond; fit_weight_scales_to_bias kept every code
      // under kMaxBiasCode.
      const std::string b_name = n.inputs[bias_input];
      Tensor bi(DType::kInt32, bias->shape());
      quant::quantize_bias(bias_values, x_scale, wq.scale, bi.data<int32_t>());  // fits: the scales were fitted
      Tensor rounded(DType::kFloat32, bias->shape());
      for (int64_t c = 0; c < bi.numel(); ++c)
        rounded.data<float>()[c] =
            dequantize_value<int32_t>(bi.data<int32_t>()[c], x_scale * wq.scale[per_channel ? c : 0], 0);
      const std::string rounded_name = take_over(b_name, "_rounded");
      out_.initializers[rounded_name] = rounded;
      n.inputs[bias_input] = rounded_name;
    }
  }

  const Graph& g_;
  const QuantPlan& plan_;
  Names names_;
  ConvertNotes* notes_;
  Graph out_;
  int opset_ = 0;
  bool per_channel_ok_ = false;
  const std::map<std::string, TensorQParams>* act_ = nullptr;
  std::map<std::string, std::string> dq_name_, producer_rename_;
};

}  // namespace

UnitWeight unit_weight_qparams(const Graph& g, const Node& head, const QuantUnit& unit, float x_scale,
                               bool per_channel_ok) {
  const std::string& w_name = head.inputs.at(1);
  const Tensor* w = g.find_initializer(w_name);
  OCTET_CHECK(w, head.describe(), ": weight '", w_name, "' is not a constant");
  const int axis = quant::weight_channel_axis(head, w->rank());
  QScheme ws = unit.qconfig.weight;
  ws.ch_axis = unit.qconfig.weight_per_channel && per_channel_ok ? axis : -1;
  UnitWeight uw;
  uw.qp = quant::weight_qparams(*w, ws, "weight '" + w_name + "' of " + head.describe());
  // The bias: a float32 [OC] constant becomes int32 codes (eq. (B1)), its fit bought with the
  // weight scales.
  const size_t bias_input = 2;
  if (head.has_input(bias_input)) {
    const Tensor* b = g.find_initializer(head.inputs[bias_input]);
    if (b && b->dtype() == DType::kFloat32 && b->rank() == 1 && b->dim(0) == w->dim(axis)) uw.bias = b;
  }
  if (uw.bias)
    quant::fit_weight_scales_to_bias({uw.bias->data<float>(), static_cast<size_t>(uw.bias->numel())}, x_scale,
                                     uw.qp.scale, "bias '" + head.inputs[bias_input] + "' of " + head.describe());
  return uw;
}

TensorQParams activation_qparams(const QuantPlan& plan, const std::string& value,
                                 const std::map<std::string, std::unique_ptr<quant::Observer>>& observers) {
  std::string root = plan.qparams_root(value);
  const ActivationSpec& rs = plan.activations.at(root);
  TensorQParams qp;
  if (rs.observer == "fixed") {
    OCTET_CHECK(quant::fixed_qparams(rs.fixed_op, rs.scheme, &qp), "no fixed qparams for op '", rs.fixed_op, "'");
  } else {
    auto it = observers.find(root);
    OCTET_CHECK(it != observers.end(), "value '", root, "' was not calibrated");
    try {
      qp = it->second->calculate_qparams();
    } catch (const Error& e) {
      fail("value '", root, "': ", e.what());
    }
  }
  qp.axis = -1;
  qp.dtype = rs.scheme.dtype;
  return qp;
}

Graph convert(const Graph& fused, const QuantPlan& plan,
              const std::map<std::string, std::unique_ptr<quant::Observer>>& observers, ConvertNotes* notes) {
  std::map<std::string, TensorQParams> act;
  for (const auto& [value, spec] : plan.activations) act[value] = activation_qparams(plan, value, observers);
  return convert_with_qparams(fused, plan, act, notes);
}

Graph convert_with_qparams(const Graph& fused, const QuantPlan& plan, const std::map<std::string, TensorQParams>& act,
                           ConvertNotes* notes) {
  for (const auto& [value, spec] : plan.activations)
    OCTET_CHECK(act.count(value), "convert: no qparams for quantized value '", value, "'");
  return Converter(fused, plan, notes).run(act);
}

}  // namespace octet
