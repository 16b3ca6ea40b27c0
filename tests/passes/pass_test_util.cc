#include "pass_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "octet/runtime.h"
#include "passes/graph_util.h"

namespace octet::testing {

int count_op(const Graph& g, const std::string& op_type) {
  return static_cast<int>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op_type == op_type; }));
}

GridBias grid_bias(const Graph& q, const Node& n) {
  auto dq_scale = [&](const std::string& value) -> const Tensor* {
    const int64_t p = producer_index(q, value);
    if (p < 0 || q.nodes[p].op_type != "DequantizeLinear") return nullptr;
    return q.find_initializer(q.nodes[p].inputs.at(1));
  };
  GridBias b;
  const Tensor *xs = dq_scale(n.inputs.at(0)), *ws = dq_scale(n.inputs.at(1));
  if (!n.has_input(2) || !xs || !ws) return b;
  b.values = q.find_initializer(n.inputs[2]);
  if (!b.values) return b;
  for (int64_t c = 0; c < b.values->numel(); ++c)
    b.steps.push_back(xs->data<float>()[0] * ws->data<float>()[ws->numel() == 1 ? 0 : c]);
  return b;
}

Int8Codes int8_codes(const Graph& g) {
  Int8Codes c;
  for (const auto& [name, t] : g.initializers) {
    if (t.dtype() != DType::kInt8) continue;
    ++c.tensors;
    for (int64_t i = 0; i < t.numel(); ++i) c.max_abs = std::max(c.max_abs, std::abs(int(t.data<int8_t>()[i])));
  }
  return c;
}

ValueInfo f32_value(const std::string& name, const Shape& shape) {
  ValueInfo v{name, DType::kFloat32, true, {}};
  for (int64_t d : shape) v.shape.push_back(Dim{d, ""});
  return v;
}

Tensor f32_scalar(float v) {
  Tensor t(DType::kFloat32, {});
  t.data<float>()[0] = v;
  return t;
}

Tensor i64_vector(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

Node& add_node(Graph& g, const std::string& op_type, std::vector<std::string> inputs, const std::string& out) {
  Node n;
  n.name = out + "_node";
  n.op_type = op_type;
  n.opset = 17;
  n.inputs = std::move(inputs);
  n.outputs = {out};
  g.nodes.push_back(std::move(n));
  return g.nodes.back();
}

double max_rel_diff(const Tensor& want, const Tensor& got) {
  double m = 0;
  for (int64_t i = 0; i < want.numel(); ++i) m = std::max(m, double(std::fabs(want.data<float>()[i])));
  return max_abs_diff(want, got) / m;
}

Tensor sine_tensor(const Shape& shape, float phase) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::sin(phase + 0.37f * float(i)) * float(1 + i % 7);
  return t;
}

void expect_same_outputs(const Graph& want_graph, const Graph& got_graph, const std::map<std::string, Tensor>& feeds,
                         double max_rel) {
  for (int threads : {1, 2}) {
    auto want = Executor(want_graph, {.threads = threads}).run(feeds);
    auto got = Executor(got_graph, {.threads = threads}).run(feeds);
    for (const auto& [name, w] : want) {
      const Tensor& g = got.at(name);
      ASSERT_EQ(w.shape(), g.shape()) << name;
      if (max_rel > 0) {
        EXPECT_LT(max_rel_diff(w, g), max_rel) << name << ", " << threads << " threads";
        continue;
      }
      for (int64_t i = 0; i < w.numel(); ++i)
        ASSERT_EQ(w.data<float>()[i], g.data<float>()[i]) << name << " at " << i << ", " << threads << " threads";
    }
  }
}

Graph lstm_with_state_and_scalar() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {f32_value("x", {6, 1, 8}), f32_value("h0", {1, 1, 16}), f32_value("rate", {})};
  g.outputs = {f32_value("y", {1, 4})};
  g.initializers["W"] = sine_tensor({1, 64, 8}, 0.1f);
  g.initializers["R"] = sine_tensor({1, 64, 16}, 0.7f);
  g.initializers["B"] = sine_tensor({1, 128}, 1.3f);
  g.initializers["shape"] = i64_vector({1, 16});
  g.initializers["W2"] = sine_tensor({16, 4}, 2.1f);
  Node& lstm = add_node(g, "LSTM", {"x", "W", "R", "B", "", "h0"}, "seq");
  lstm.outputs.push_back("h");
  Attribute hidden;
  hidden.i = 16;
  lstm.attrs["hidden_size"] = hidden;
  add_node(g, "Reshape", {"h", "shape"}, "flat");
  add_node(g, "MatMul", {"flat", "W2"}, "proj");
  add_node(g, "Mul", {"proj", "rate"}, "y");
  return g;
}

}  // namespace octet::testing
