#include "passes/channels_last.h"

#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "ir/octet_ops.h"
#include "ir/topo_sort.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

const std::vector<int64_t> kToNhwc = {0, 2, 3, 1}, kToNchw = {0, 3, 1, 2};
// Where NCHW axis a is in NHWC.
constexpr int64_t kNhwcAxis[4] = {0, 3, 1, 2};

bool is_onnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }
bool is_onnx_in(const Node& n, const std::set<std::string>& ops) { return n.domain.empty() && ops.count(n.op_type); }

// fp32 ops that compute the same in any layout. Unary element-wise ones (their other inputs, such
// as Clip's bounds, are scalars):
const std::set<std::string> kFloatUnary = {"Relu",  "Clip", "HardSwish", "LeakyRelu", "Sigmoid",    "HardSigmoid",
                                           "Tanh",  "Elu",  "Selu",      "Softplus",  "Softsign",   "Erf",
                                           "Exp",   "Neg",  "Abs",       "Sqrt",      "Reciprocal", "Identity",
                                           "Floor", "Ceil", "Round",     "Mish",      "Celu",       "ThresholdedRelu"};
bool is_float_unary(const Node& n) { return is_onnx_in(n, kFloatUnary) || is_octet_op(n, octet_op::kGelu); }
// Binary element-wise ones, with numpy broadcasting: both operands region values (rank 4,
// permuted alike), or one a region value and the other a constant, which is permuted to match
// (a per-channel [C, 1, 1] scale becomes [1, 1, C]).
const std::set<std::string> kFloatBinary = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "PRelu"};
// They and Int8Add / Int8Mul:
bool is_broadcasting_binary(const Node& n) {
  return is_onnx_in(n, kFloatBinary) || is_octet_op(n, octet_op::kInt8Add) || is_octet_op(n, octet_op::kInt8Mul);
}
// Reductions over any axes that keep the rank (keepdims = 1): the axes are renumbered.
const std::set<std::string> kReduce = {"ReduceMean", "ReduceMax", "ReduceMin",       "ReduceSum",      "ReduceProd",
                                       "ReduceL1",   "ReduceL2",  "ReduceSumSquare", "ReduceLogSumExp"};
bool is_reduce(const Node& n) { return is_onnx_in(n, kReduce) && n.attr_int("keepdims", 1) != 0; }

// A 2-D MaxPool without the Indices output (its flat indices are defined on the NCHW layout), a 2-D
// AveragePool (fp32 or lowered).
bool is_pool2d(const Node& n) {
  const bool pool = (is_onnx(n, "MaxPool") && (n.outputs.size() < 2 || n.outputs[1].empty())) ||
                    is_onnx(n, "AveragePool") || is_octet_op(n, octet_op::kInt8AveragePool);
  return pool && n.has_attr("kernel_shape") && n.attr_ints("kernel_shape").size() == 2;
}

// An fp32 2-D convolution or transposed convolution (oneDNN's kernels prefer NHWC): its weight is
// a rank-4 initializer.
bool is_float_conv2d(const Node& n, const Graph& g) {
  if (!is_onnx(n, "Conv") && !is_onnx(n, "ConvTranspose") && !is_octet_op(n, octet_op::kConvPostOps)) return false;
  auto w = n.inputs.size() > 1 ? g.initializers.find(n.inputs[1]) : g.initializers.end();
  return w != g.initializers.end() && w->second.rank() == 4;
}

bool is_constant(const Graph& g, const std::string& v) { return !v.empty() && g.find_initializer(v) != nullptr; }

// The ops whose other inputs are renumbered constants: Pad (pads, axes), Resize (roi, scales,
// sizes), each of them given as constants and not as attributes of another layout.
bool is_layout_constant_op(const Node& n, const Graph& g) {
  if (is_onnx(n, "Pad")) {
    if (n.opset < 11) return n.attr_ints("pads").size() == 8;
    return is_constant(g, n.inputs.size() > 1 ? n.inputs[1] : "") && !n.has_input(3) &&
           (!n.has_input(2) || is_constant(g, n.inputs[2]));
  }
  if (is_onnx(n, "Resize")) {
    // Scales and sizes may be computed (permuted by a Gather, see to_channels_last). An upsampling
    // that writes a graph output stays out: its input is the smaller tensor to transpose.
    return n.opset >= 11 && !n.has_attr("axes") && (!n.has_input(1) || is_constant(g, n.inputs[1])) &&
           !is_graph_output(g, n.outputs[0]);
  }
  return false;
}

// QuantizeLinear / DequantizeLinear with one constant scale (an activation's): element-wise.
bool is_per_tensor_qdq(const Node& n, const Graph& g) {
  if (!is_onnx(n, "QuantizeLinear") && !is_onnx(n, "DequantizeLinear")) return false;
  const Tensor* scale = n.inputs.size() > 1 ? g.find_initializer(n.inputs[1]) : nullptr;
  return scale && scale->numel() == 1 && (!n.has_input(2) || is_constant(g, n.inputs[2]));
}

// The inputs of `n` that carry activations (the rest are constants: weights, tables, qparams).
std::vector<size_t> data_inputs(const Node& n) {
  if (is_broadcasting_binary(n)) return {0, 1};
  if (is_octet_op(n, octet_op::kConvPostOps) && n.has_input(3)) return {0, 3};  // the residual it adds
  if (is_octet_op(n, octet_op::kInt8Concat) || is_onnx(n, "Concat")) {
    std::vector<size_t> all;
    for (size_t i = 0; i < n.inputs.size(); ++i) all.push_back(i);
    return all;
  }
  return {0};
}

// Whether `n` runs in NHWC, given which values are already NHWC. A 2-D Int8Conv or fp32 Conv
// always does (their kernels prefer NHWC); pooling (INT8, and 2-D MaxPool of any type) and Concat
// over channels follow an NHWC input;
// a table lookup follows an NHWC operand, binary element-wise ops (fp32, Int8Add, Int8Mul)
// NHWC operands only (they broadcast; a constant operand is permuted instead).
bool runs_nhwc(const Node& n, const Graph& g, const std::set<std::string>& nhwc) {
  if (is_octet_op(n, octet_op::kInt8Conv) || is_octet_op(n, octet_op::kInt8ConvTranspose) || is_float_conv2d(n, g))
    return true;
  auto region_inputs = [&](bool all, bool constants_too) {
    bool any = false, every = true;
    for (size_t i : data_inputs(n)) {
      const std::string& v = i < n.inputs.size() ? n.inputs[i] : "";
      const bool in = nhwc.count(v) > 0;
      any = any || in;
      every = every && (in || (constants_too && is_constant(g, v)));
    }
    return any && (all ? every : true);
  };
  if (is_octet_op(n, octet_op::kInt8MaxPool) || is_octet_op(n, octet_op::kInt8GlobalAveragePool) || is_pool2d(n))
    return region_inputs(true, false);
  if (is_octet_op(n, octet_op::kInt8Concat)) {
    const int64_t axis = n.attr_int("axis", 0);
    return (axis == 1 || axis == -3) && region_inputs(true, false);
  }
  if (is_octet_op(n, octet_op::kInt8Lookup)) return region_inputs(false, false);
  if (is_float_unary(n) || is_reduce(n) || is_onnx(n, "GlobalAveragePool") || is_onnx(n, "GlobalMaxPool") ||
      is_onnx(n, "Concat") || is_layout_constant_op(n, g) || is_per_tensor_qdq(n, g))
    return region_inputs(true, false);
  if (is_broadcasting_binary(n)) {
    for (size_t k = 0; k < 2; ++k)
      if (const Tensor* c = k < n.inputs.size() ? g.find_initializer(n.inputs[k]) : nullptr; c && c->rank() > 4)
        return false;
    return region_inputs(true, true);
  }
  return false;
}

// Ops whose kernel reads the layout from attribute channels_last (the others need none, or have
// their axes and constants renumbered by `renumber`).
bool takes_layout_attr(const Node& n, const Graph& g) {
  return is_octet_op(n, octet_op::kInt8Conv) || is_octet_op(n, octet_op::kInt8ConvTranspose) || is_float_conv2d(n, g) ||
         is_octet_op(n, octet_op::kInt8MaxPool) || is_pool2d(n) || is_octet_op(n, octet_op::kInt8GlobalAveragePool) ||
         is_octet_op(n, octet_op::kInt8Concat) || is_onnx(n, "GlobalAveragePool") || is_onnx(n, "GlobalMaxPool");
}

int64_t nhwc_axis(int64_t nchw_axis) { return kNhwcAxis[nchw_axis < 0 ? nchw_axis + 4 : nchw_axis]; }

// A constant that broadcasts against rank-4 NCHW values, as it broadcasts against their NHWC
// form: its shape left-padded to rank 4, then transposed like the data.
Tensor constant_to_nhwc(const Tensor& c) {
  if (c.numel() <= 1) return c;
  Shape s(4 - c.rank(), 1);
  s.insert(s.end(), c.shape().begin(), c.shape().end());
  Tensor out(c.dtype(), {s[0], s[2], s[3], s[1]});
  const size_t esize = dtype_size(c.dtype());
  const auto* src = static_cast<const uint8_t*>(c.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t h = 0; h < s[2]; ++h)
      for (int64_t w = 0; w < s[3]; ++w)
        for (int64_t ch = 0; ch < s[1]; ++ch) {
          const int64_t from = ((n * s[1] + ch) * s[2] + h) * s[3] + w;
          std::memcpy(dst, src + from * esize, esize);
          dst += esize;
        }
  return out;
}

// A list of per-axis values ([x_N, x_C, x_H, x_W], or `halves` such lists one after another: pads,
// roi) in NHWC order.
std::vector<int64_t> per_axis_to_nhwc(const std::vector<int64_t>& v) {
  std::vector<int64_t> out(v.size());
  for (size_t half = 0; half < v.size() / 4; ++half)
    for (int64_t a = 0; a < 4; ++a) out[half * 4 + nhwc_axis(a)] = v[half * 4 + a];
  return out;
}

// Renumbers what `n` says in NCHW terms once it runs in NHWC: the axis of Concat, the axes of a
// reduction, a broadcasting constant, the per-axis constants of Pad and Resize. New constants are
// added to `g` under fresh names (the originals may have other readers).
void renumber(Node& n, Graph& g, const std::function<std::string(const std::string&)>& claim) {
  auto replace_constant = [&](size_t k, Tensor t) {
    const std::string name = claim(n.inputs[k] + "_nhwc");
    g.initializers[name] = std::move(t);
    n.inputs[k] = name;
  };
  auto ints_of = [](const Tensor& t) {
    std::vector<int64_t> v(t.numel());
    for (int64_t i = 0; i < t.numel(); ++i) v[i] = static_cast<int64_t>(t.as_double(i));
    return v;
  };
  if (is_onnx(n, "Concat")) {
    n.attrs["axis"] = int_attr(nhwc_axis(n.attr_int("axis", 0)));
  } else if (is_octet_op(n, octet_op::kInt8Concat)) {
    n.attrs["axis"] = int_attr(3);
  } else if (is_reduce(n)) {
    const bool axes_as_input = n.opset >= (n.op_type == "ReduceSum" ? 13 : 18);
    if (!axes_as_input && n.has_attr("axes")) {
      std::vector<int64_t> axes = n.attr_ints("axes");
      for (int64_t& a : axes) a = nhwc_axis(a);
      n.attrs["axes"] = ints_attr(axes);
    } else if (axes_as_input && n.has_input(1)) {
      std::vector<int64_t> axes = ints_of(*g.find_initializer(n.inputs[1]));
      for (int64_t& a : axes) a = nhwc_axis(a);
      replace_constant(1, Tensor::from_vector<int64_t>({static_cast<int64_t>(axes.size())}, axes));
    }
  } else if (is_broadcasting_binary(n)) {
    for (size_t k = 0; k < 2; ++k)
      if (const Tensor* c = g.find_initializer(n.inputs[k]); c && c->numel() > 1)
        replace_constant(k, constant_to_nhwc(*c));
  } else if (is_onnx(n, "Pad")) {
    if (n.opset < 11) {
      n.attrs["pads"] = ints_attr(per_axis_to_nhwc(n.attr_ints("pads")));
    } else {
      const std::vector<int64_t> pads = per_axis_to_nhwc(ints_of(*g.find_initializer(n.inputs[1])));
      replace_constant(1, Tensor::from_vector<int64_t>({static_cast<int64_t>(pads.size())}, pads));
    }
  } else if (is_onnx(n, "Resize")) {
    for (size_t k = 1; k < n.inputs.size(); ++k) {
      const Tensor* c = n.inputs[k].empty() ? nullptr : g.find_initializer(n.inputs[k]);
      if (!c || c->numel() == 0) continue;
      if (c->dtype() == DType::kInt64) {
        replace_constant(k, Tensor::from_vector<int64_t>({c->numel()}, per_axis_to_nhwc(ints_of(*c))));
      } else {
        Tensor t = c->clone();
        for (size_t half = 0; half < size_t(c->numel() / 4); ++half)
          for (int64_t a = 0; a < 4; ++a)
            std::memcpy(static_cast<uint8_t*>(t.raw()) + (half * 4 + nhwc_axis(a)) * dtype_size(c->dtype()),
                        static_cast<const uint8_t*>(c->raw()) + (half * 4 + a) * dtype_size(c->dtype()),
                        dtype_size(c->dtype()));
        replace_constant(k, t);
      }
    }
  }
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
  std::set<std::string> nhwc;                    // original names of values produced in NHWC
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
  // An NHWC value keeps what is known of its NCHW original, permuted (later passes read shapes:
  // fuse_int8_conv_add.h).
  auto declare_nhwc = [&](const std::string& nchw, const std::string& name) {
    const ValueInfo* vi = g.find_value_info(nchw);
    if (!vi || !vi->has_shape || vi->shape.size() != 4) return;
    ValueInfo p = *vi;
    p.name = name;
    for (size_t a = 0; a < 4; ++a) p.shape[a] = vi->shape[kToNhwc[a]];
    p.inferred = true;  // derived here: never written to a file as declared
    g.value_info[name] = p;
  };
  for (const auto& v : nhwc) {
    nhwc_name[v] = claim(v + "_nhwc");
    declare_nhwc(v, nhwc_name[v]);
  }
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
      // A broadcasting operand's constant is permuted by renumber; any other constant data (a
      // convolution of a constant image) enters through a Transpose like a computed value.
      if (is_broadcasting_binary(n) && is_constant(g, n.inputs[k])) continue;
      std::string& in = n.inputs[k];
      if (nhwc.count(in)) {
        in = nhwc_name.at(in);
        continue;
      }
      auto [it, fresh] = entering.emplace(in, "");
      if (fresh) {
        it->second = claim(in + "_nhwc");
        declare_nhwc(in, it->second);
        nodes.push_back(transpose(claim(in + "_to_nhwc"), in, it->second, kToNhwc, onnx_opset));
      }
      in = it->second;
    }
    if (takes_layout_attr(n, g)) n.attrs["channels_last"] = int_attr(1);
    renumber(n, g, claim);
    // A Resize's computed scales or sizes ([N, C, H, W] from the input's Shape, as exporters
    // write an upsampling to a size) are permuted at run time.
    for (size_t k = 2; is_onnx(n, "Resize") && k < n.inputs.size(); ++k) {
      if (n.inputs[k].empty() || is_constant(g, n.inputs[k])) continue;
      const std::string perm = claim(n.name + "_nhwc_order"), permuted = claim(n.inputs[k] + "_nhwc");
      g.initializers[perm] = Tensor::from_vector<int64_t>({4}, kToNhwc);
      Node gather;
      gather.name = claim(n.inputs[k] + "_to_nhwc");
      gather.op_type = "Gather";
      gather.opset = onnx_opset;
      gather.inputs = {n.inputs[k], perm};
      gather.outputs = {permuted};
      nodes.push_back(std::move(gather));
      n.inputs[k] = permuted;
    }
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
