// fuse_conv_activation: every activation octet fuses runs as the convolution's oneDNN post-op with
// the outputs of the Conv followed by the ONNX op (to float rounding); SiLU written as
// y * Sigmoid(y) becomes Swish; an activation whose input is read elsewhere stays.
#include "passes/fuse_conv_activation.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;

// x [2, 3, 8, 8] -> Conv 3x3 (5 channels, bias) -> y -> `op` -> z (or y * Sigmoid(y) for "SiLU").
Graph conv_then(const std::string& op, bool y_is_output = false) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 3, 8, 8})};
  g.initializers = {{"w", testing::sine_tensor({5, 3, 3, 3}, 0.2f)},
                    {"b", testing::sine_tensor({5}, 1.0f)},
                    {"lo", testing::f32_scalar(-0.5f)},
                    {"hi", testing::f32_scalar(2.0f)}};
  add_node(g, "Conv", {"x", "w", "b"}, "y").attrs["pads"] = ints_attr({1, 1, 1, 1});
  if (op == "SiLU") {
    add_node(g, "Sigmoid", {"y"}, "s");
    add_node(g, "Mul", {"s", "y"}, "z");
  } else {
    Node& act =
        add_node(g, op, op == "Clip" ? std::vector<std::string>{"y", "lo", "hi"} : std::vector<std::string>{"y"}, "z");
    if (op == "LeakyRelu") act.attrs["alpha"] = float_attr(0.1f);
    if (op == "HardSigmoid") act.attrs["alpha"] = float_attr(0.25f);
  }
  g.outputs = {testing::f32_value("z", {})};
  if (y_is_output) g.outputs.push_back(testing::f32_value("y", {}));
  return g;
}

TEST(FuseConvActivation, EveryActivationRunsAsAPostOp) {
  const std::map<std::string, std::string> kinds = {
      {"Relu", "Relu"}, {"LeakyRelu", "LeakyRelu"},     {"Clip", "Clip"},           {"Sigmoid", "Sigmoid"},
      {"Tanh", "Tanh"}, {"HardSigmoid", "HardSigmoid"}, {"HardSwish", "HardSwish"}, {"SiLU", "Swish"}};
  Tensor x = testing::sine_tensor({2, 3, 8, 8}, 0.7f);
  for (const auto& [op, activation] : kinds) {
    SCOPED_TRACE(op);
    Graph g = conv_then(op);
    Graph fused = g;
    ASSERT_EQ(fuse_conv_activation(fused), op == "SiLU" ? 2 : 1);
    ASSERT_EQ(fused.nodes.size(), 1u);
    EXPECT_EQ(fused.nodes[0].op_type, "ConvPostOps");
    EXPECT_EQ(fused.nodes[0].attr_string("activation", ""), activation);
    testing::expect_same_outputs(g, fused, {{"x", x}}, 2e-6);
  }
}

TEST(FuseConvActivation, AnActivationOfAValueReadElsewhereStays) {
  for (const char* op : {"Relu", "SiLU"}) {
    Graph g = conv_then(op, /*y_is_output=*/true);
    EXPECT_EQ(fuse_conv_activation(g), 0);
  }
}

}  // namespace
}  // namespace octet
