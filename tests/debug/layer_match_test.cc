#include "debug/layer_match.h"

#include <gtest/gtest.h>

#include "debug/debug_test_util.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

TEST(LayerMatch, SharedValuesWithTheirQdqPairInExecutionOrder) {
  const testing::QdqChain chain;
  const auto layers = match_layers(chain.float_model, chain.quantized);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].tensor, "y1");
  EXPECT_EQ(layers[0].probe, "y1_dq");  // what the next layer reads
  EXPECT_EQ(layers[0].name, "y1_node");
  EXPECT_EQ(layers[0].op, "Mul");
  EXPECT_EQ(layers[0].quantized_nodes, (std::vector<std::string>{"y1_node", "y1_q_node", "y1_dq_node"}));
  // y3 has no pair of its own; its unit reaches back through y2's pair to y2.
  EXPECT_EQ(layers[2].tensor, "y3");
  EXPECT_EQ(layers[2].probe, "y3");
  EXPECT_EQ(layers[2].quantized_nodes, (std::vector<std::string>{"y2_q_node", "y2_dq_node", "y3_node"}));
}

TEST(LayerMatch, ValuesQuantizationDoesNotTouchAreNotLayers) {
  testing::QdqChain chain;
  // A float node after y3 in both models.
  for (Graph* g : {&chain.float_model, &chain.quantized}) {
    testing::add_node(*g, "Relu", {"y3"}, "y4");
    g->outputs = {testing::f32_value("y4", {1})};
  }
  for (const MatchedLayer& l : match_layers(chain.float_model, chain.quantized)) EXPECT_NE(l.tensor, "y4");
}

TEST(LayerMatch, AWeightedNodeNamesTheUnitAndAnInt8TableCounts) {
  // The quantized model computes y = Relu(Gemm(x, DQ(w))) as one unit (its Gemm output has a new
  // name), and reads an int8 embedding table through Gather -> Cast.
  Graph f, q;
  for (Graph* g : {&f, &q}) {
    g->inputs = {testing::f32_value("x", {1, 2})};
    g->opsets[""] = 17;
  }
  f.initializers["w"] = Tensor(DType::kFloat32, {2, 2});
  testing::add_node(f, "Gemm", {"x", "w"}, "h");
  testing::add_node(f, "Relu", {"h"}, "y");
  q.initializers["wq"] = Tensor(DType::kInt8, {2, 2});
  q.initializers["ws"] = testing::f32_scalar(1.0f);
  testing::add_node(q, "DequantizeLinear", {"wq", "ws"}, "w");
  testing::add_node(q, "Gemm", {"x", "w"}, "h_internal").name = "h_node";
  testing::add_node(q, "Relu", {"h_internal"}, "y");  // "y_node", a Relu in both
  f.initializers["table"] = Tensor(DType::kFloat32, {4, 2});
  q.initializers["table"] = Tensor(DType::kInt8, {4, 2});
  f.initializers["ids"] = q.initializers["ids"] = Tensor(DType::kInt64, {1});
  testing::add_node(f, "Gather", {"table", "ids"}, "e");
  testing::add_node(q, "Gather", {"table", "ids"}, "e_codes");
  testing::add_node(q, "Cast", {"e_codes"}, "e");
  const auto layers = match_layers(f, q);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].tensor, "y");
  EXPECT_EQ(layers[0].name, "h_node");  // the Gemm, not the Relu both models also hold
  EXPECT_EQ(layers[0].op, "Gemm");
  EXPECT_EQ(layers[1].tensor, "e");
  EXPECT_EQ(layers[1].name, "e_node");  // the float model's Gather; the quantized model's Cast
  EXPECT_EQ(layers[1].op, "Gather");
  EXPECT_EQ(layers[1].quantized_nodes, (std::vector<std::string>{"e_codes_node", "e_node"}));
}

}  // namespace
}  // namespace octet
