#include "debug/debug_test_util.h"

#include "passes/pass_test_util.h"

namespace octet::testing {

namespace {

// A Q -> DQ pair on `value` with scale `s` and a uint8 zero point 0; returns the DQ output.
std::string add_qdq(Graph& g, const std::string& value, float s) {
  g.initializers[value + "_s"] = f32_scalar(s);
  g.initializers[value + "_z"] = Tensor(DType::kUInt8, {});
  add_node(g, "QuantizeLinear", {value, value + "_s", value + "_z"}, value + "_q");
  add_node(g, "DequantizeLinear", {value + "_q", value + "_s", value + "_z"}, value + "_dq");
  return value + "_dq";
}

}  // namespace

QdqChain::QdqChain() {
  for (Graph* g : {&float_model, &quantized}) {
    g->inputs = {f32_value("x", {1})};
    g->outputs = {f32_value("y3", {1})};
    g->opsets[""] = 17;
    g->initializers["two"] = f32_scalar(2.0f);
    g->initializers["half"] = f32_scalar(0.5f);
  }
  add_node(float_model, "Mul", {"x", "two"}, "y1");
  add_node(float_model, "Add", {"y1", "half"}, "y2");
  add_node(float_model, "Add", {"y2", "half"}, "y3");
  add_node(quantized, "Mul", {"x", "two"}, "y1");
  add_node(quantized, "Add", {add_qdq(quantized, "y1", 1.0f), "half"}, "y2");
  add_node(quantized, "Add", {add_qdq(quantized, "y2", 1.0f), "half"}, "y3");
}

Graph planted_outlier_mlp() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {f32_value("x", {-1, 8})};
  g.outputs = {f32_value("y", {-1, 4})};
  Tensor w1 = sine_tensor({16, 8}, 0.1f), w2 = sine_tensor({4, 16}, 0.7f);
  for (int64_t k = 0; k < 8; ++k) w1.data<float>()[3 * 8 + k] *= 1000.0f;  // row 3 = output channel 3
  for (int64_t n = 0; n < 4; ++n) w2.data<float>()[n * 16 + 3] /= 1000.0f;
  g.initializers["w1"] = w1;
  g.initializers["b1"] = Tensor(DType::kFloat32, {16});
  g.initializers["w2"] = w2;
  g.initializers["b2"] = Tensor(DType::kFloat32, {4});
  add_node(g, "Gemm", {"x", "w1", "b1"}, "h").attrs["transB"].i = 1;
  add_node(g, "Relu", {"h"}, "r");
  add_node(g, "Gemm", {"r", "w2", "b2"}, "y").attrs["transB"].i = 1;
  return g;
}

}  // namespace octet::testing
