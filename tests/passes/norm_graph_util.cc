#include "norm_graph_util.h"

#include <cmath>
#include <limits>
#include <vector>

#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet::testing {
namespace {

class Builder {
 public:
  Builder(const NormGraph& s, const Shape& x_shape) : s_(s), x_shape_(x_shape) {
    g.opsets = {{"", s.opset}};
    if (!s.between_matmuls) {
      g.inputs = {f32_value("x", x_shape)};
      return;
    }
    Shape in = x_shape;
    in.back() = 4;
    g.inputs = {f32_value("in", in)};
    g.initializers["W1"] = sine_tensor({4, x_shape.back()}, 0.3f);
    op("MatMul", {"in", "W1"}, "x");
    g.value_info["x"] = f32_value("x", x_shape);
  }

  std::string op(const std::string& type, std::vector<std::string> inputs, const std::string& out) {
    add_node(g, type, std::move(inputs), out).opset = s_.opset;
    return out;
  }

  // A reduction over `axes`: ReduceSum takes them as an input from opset 13, the others from 18.
  std::string reduce(const std::string& type, const std::string& in, std::vector<int64_t> axes, const std::string& out,
                     bool keepdims = true) {
    const bool as_input = s_.opset >= (type == "ReduceSum" ? 13 : 18);
    std::vector<std::string> inputs = {in};
    if (as_input) inputs.push_back(constant(out + "_axes", i64_vector(axes)));
    Node& n = add_node(g, type, inputs, out);
    n.opset = s_.opset;
    if (!as_input) n.attrs["axes"] = ints_attr(axes);
    if (!keepdims) n.attrs["keepdims"] = int_attr(0);
    return out;
  }

  std::string constant(const std::string& name, Tensor t) {
    g.initializers[name] = std::move(t);
    return name;
  }
  std::string scalar(const std::string& name, float v) { return constant(name, f32_scalar(v)); }

  Graph finish(const std::string& y, const std::string& exposed) {
    std::string out = y;
    if (s_.between_matmuls) {
      g.initializers["W2"] = sine_tensor({x_shape_.back(), 6}, 1.1f);
      out = op("MatMul", {y, "W2"}, "out");
    }
    Shape out_shape = x_shape_;
    if (s_.between_matmuls) out_shape.back() = 6;
    g.outputs = {f32_value(out, out_shape)};
    if (s_.expose) g.outputs.push_back(ValueInfo{exposed, DType::kFloat32, false, {}});
    return g;
  }

  Graph g;

 private:
  NormGraph s_;
  Shape x_shape_;
};

// The LayerNorm chain from `x` over `axes` into the normalized value (no gamma, beta), torch's form.
std::string layer_norm_core(Builder& b, const std::string& x, const std::vector<int64_t>& axes, float eps) {
  b.reduce("ReduceMean", x, axes, "mean");
  b.op("Sub", {x, "mean"}, "d");
  b.op("Mul", {"d", "d"}, "d2");
  b.reduce("ReduceMean", "d2", axes, "var");
  b.op("Add", {"var", b.scalar("eps", eps)}, "var_eps");
  b.op("Sqrt", {"var_eps"}, "std");
  return b.op("Div", {"d", "std"}, "n");
}

Tensor channel_constant(int64_t c, float phase) { return sine_tensor({c, 1, 1}, phase); }

}  // namespace

Graph layer_norm_graph(const LayerNormForm& f, const NormGraph& shape) {
  const Shape x_shape = {2, 5, 16};
  Builder b(shape, x_shape);
  const int64_t n = x_shape[f.axis < 0 ? f.axis + 3 : f.axis];
  Shape gamma_shape = f.axis == -1 || f.axis == 2 ? Shape{n} : Shape{n, 1};
  b.constant("gamma", sine_tensor(gamma_shape, 0.5f));
  b.constant("beta", sine_tensor(gamma_shape, 2.0f));
  const std::vector<int64_t> axes = {f.axis};
  const int64_t var_axis = f.var_axis ? f.var_axis : f.axis;
  std::string d = "d", std_inv;
  if (f.jax) {  // jax2tf: sums without keepdims scaled by 1/n, the moments form, broadcasts back
    b.reduce("ReduceSum", "x", axes, "sum", false);
    b.op("Mul", {"x", "x"}, "x2");
    b.reduce("ReduceSum", "x2", axes, "sum2", false);
    b.op("Mul", {"sum", b.scalar("inv_n", 1.0f / float(n))}, "mean");
    b.op("Mul", {"sum2", "inv_n"}, "mean2");
    b.op("Mul", {"mean", "mean"}, "mean_sq");
    b.op("Sub", {"mean2", "mean_sq"}, "var0");
    b.op("Max", {b.scalar("zero", 0.0f), "var0"}, "var");
    Shape kept = x_shape;
    kept[f.axis < 0 ? f.axis + 3 : f.axis] = 1;
    b.constant("kept_shape", i64_vector(kept));
    b.op("Reshape", {"var", "kept_shape"}, "var_r");
    b.op("Add", {"var_r", b.scalar("eps", 1e-5f)}, "var_eps");
    b.op("Sqrt", {"var_eps"}, "std");
    b.op("Reciprocal", {"std"}, "inv");
    b.op("Mul", {"inv", "gamma"}, "inv_g");
    b.op("Reshape", {"mean", "kept_shape"}, "mean_r");
    b.op("Sub", {"x", "mean_r"}, "d");
    b.op("Mul", {"d", "inv_g"}, "n");
    b.op("Add", {"n", "beta"}, "y");
    return b.finish("y", d);
  }
  b.reduce("ReduceMean", "x", axes, "mean");
  if (f.moments) {
    b.op("Mul", {"x", "x"}, "x2");
    b.reduce("ReduceMean", "x2", {var_axis}, "mean2");
    b.op("Mul", {"mean", "mean"}, "mean_sq");
    b.op("Sub", {"mean2", "mean_sq"}, "var0");
    b.op("Max", {"var0", b.scalar("zero", 0.0f)}, "var");
  } else {
    b.op("Sub", {"x", "mean"}, "d");
    if (f.pow) b.op("Pow", {"d", b.scalar("two", 2.0f)}, "d2");
    else b.op("Mul", {"d", "d"}, "d2");
    b.reduce("ReduceMean", "d2", {var_axis}, "var");
  }
  b.op("Add", {"var", b.scalar("eps", 1e-5f)}, "var_eps");
  b.op("Sqrt", {"var_eps"}, "std");
  if (f.moments) b.op("Sub", {"x", "mean"}, "d");
  if (f.reciprocal) {
    b.op("Reciprocal", {"std"}, "inv");
    b.op("Mul", {"d", "inv"}, "n");
  } else {
    b.op("Div", {"d", "std"}, "n");
  }
  b.op("Mul", {"n", "gamma"}, "ng");
  b.op("Add", {"ng", "beta"}, "y");
  return b.finish("y", d);
}

Graph rms_norm_graph(bool div, const NormGraph& shape) {
  Builder b(shape, {2, 5, 16});
  b.constant("gamma", sine_tensor({16}, 0.5f));
  b.op("Pow", {"x", b.scalar("two", 2.0f)}, "x2");
  b.reduce("ReduceMean", "x2", {-1}, "ms");
  b.op("Add", {"ms", b.scalar("eps", 1e-6f)}, "ms_eps");
  b.op("Sqrt", {"ms_eps"}, "rms");
  if (div) {
    b.op("Div", {"x", "rms"}, "n");
  } else {
    b.op("Reciprocal", {"rms"}, "inv");
    b.op("Mul", {"x", "inv"}, "n");
  }
  b.op("Mul", {"gamma", "n"}, "y");
  return b.finish("y", "ms");
}

Graph group_norm_graph(const NormGraph& shape) {
  Builder b(shape, {2, 8, 3, 3});
  b.op("Reshape", {"x", b.constant("groups", i64_vector({2, 4, 18}))}, "xg");
  const std::string n = layer_norm_core(b, "xg", {-1}, 1e-5f);
  b.op("Reshape", {n, b.constant("back", i64_vector({2, 8, 3, 3}))}, "nb");
  b.op("Mul", {"nb", b.constant("gamma", channel_constant(8, 0.5f))}, "ng");
  b.op("Add", {"ng", b.constant("beta", channel_constant(8, 2.0f))}, "y");
  return b.finish("y", "d");
}

Graph instance_norm_graph(const NormGraph& shape) {
  Builder b(shape, {2, 4, 3, 5});
  const std::string n = layer_norm_core(b, "x", {2, 3}, 1e-3f);
  b.op("Mul", {n, b.constant("gamma", channel_constant(4, 0.5f))}, "ng");
  b.op("Add", {"ng", b.constant("beta", channel_constant(4, 2.0f))}, "y");
  return b.finish("y", "d");
}

Graph l2_norm_graph(bool sqrt, const NormGraph& shape) {
  Builder b(shape, {2, 5, 16});
  if (sqrt) {
    b.op("Mul", {"x", "x"}, "x2");
    b.reduce("ReduceSum", "x2", {-1}, "ss");
    b.op("Sqrt", {"ss"}, "norm");
    b.op("Max", {"norm", b.scalar("eps", 1e-12f)}, "norm_eps");
    b.op("Reciprocal", {"norm_eps"}, "inv");
    b.op("Mul", {"x", "inv"}, "y");
    return b.finish("y", "ss");
  }
  b.reduce("ReduceL2", "x", {-1}, "norm");
  b.op("Clip", {"norm", b.scalar("eps", 1e-12f)}, "norm_eps");
  b.op("Shape", {"x"}, "x_shape");
  b.op("Expand", {"norm_eps", "x_shape"}, "den");
  b.op("Div", {"x", "den"}, "y");
  return b.finish("y", "norm");
}

Graph softmax_graph(bool max, bool jax, int64_t axis, const NormGraph& shape) {
  const Shape x_shape = {2, 5, 16};
  Builder b(shape, x_shape);
  Shape kept = x_shape;
  kept[axis < 0 ? axis + 3 : axis] = 1;
  std::string z = "x";
  if (max && jax) {
    b.reduce("ReduceMax", "x", {axis}, "mx0", false);
    b.op("Max", {b.scalar("floor", -std::numeric_limits<float>::infinity()), "mx0"}, "mx1");
    b.op("Reshape", {"mx1", b.constant("kept_shape", i64_vector(kept))}, "mx2");
    b.op("Shape", {"x"}, "x_shape");
    b.op("Expand", {"mx2", "x_shape"}, "mx");
    z = b.op("Sub", {"x", "mx"}, "z");
  } else if (max) {
    b.reduce("ReduceMax", "x", {axis}, "mx");
    z = b.op("Sub", {"x", "mx"}, "z");
  }
  b.op("Exp", {z}, "e");
  if (jax) {
    b.reduce("ReduceSum", "e", {axis}, "s0", false);
    b.op("Reshape", {"s0", b.constant("kept_shape2", i64_vector(kept))}, "s");
  } else {
    b.reduce("ReduceSum", "e", {axis}, "s");
  }
  b.op("Div", {"e", "s"}, "y");
  return b.finish("y", "e");
}

}  // namespace octet::testing
