// The chains quantized as one unit: which heads start one, which activations extend it, and which
// shared values end it.
#include "passes/fuse_groups.h"

#include <gtest/gtest.h>

#include "onnx/import.h"
#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::attr_float;

Graph graph_with(std::vector<Node> nodes, std::vector<std::string> outputs) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, false, {}});
  for (const auto& o : outputs) g.outputs.push_back({o, DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor(DType::kFloat32, {1, 1, 1, 1});
  g.initializers["w2"] = Tensor(DType::kFloat32, {1, 1});
  g.initializers["bias"] = Tensor(DType::kFloat32, {1});
  g.initializers["full"] = Tensor(DType::kFloat32, {3, 1});
  g.initializers["zero"] = Tensor::scalar<float>(0);
  g.initializers["six"] = Tensor::scalar<float>(6);
  g.initializers["minus"] = Tensor::scalar<float>(-1);
  g.nodes = std::move(nodes);
  return g;
}

Node node(const std::string& op, std::vector<std::string> in, const std::string& out) {
  return Node{op + "_" + out, op, "", 17, std::move(in), {out}, {}};
}

TEST(FusedGroups, ConvReluAndAddReluChainsStopAtSharedValues) {
  Graph g = graph_with({node("Conv", {"x", "w"}, "c"), node("Relu", {"c"}, "r"), node("Conv", {"r", "w"}, "c2"),
                        node("Relu", {"c2"}, "r2"),  // c2 is a graph output: no fusion
                        node("Add", {"r", "r2"}, "a"), node("Relu", {"a"}, "z")},
                       {"z", "c2"});
  auto groups = find_fused_groups(g);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].nodes, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(groups[0].output, "r");
  EXPECT_EQ(groups[1].nodes, (std::vector<size_t>{4, 5}));
  EXPECT_EQ(groups[1].output, "z");
}

TEST(FusedGroups, MatMulBiasReluAndEveryWeightedHead) {
  Graph g =
      graph_with({node("MatMul", {"x", "w2"}, "m"), node("Add", {"bias", "m"}, "mb"), node("Relu", {"mb"}, "r"),
                  node("ConvTranspose", {"r", "w"}, "t"), node("Relu", {"t"}, "tr"), node("Gemm", {"tr", "w2"}, "gm"),
                  node("Clip", {"gm", "zero", "six"}, "g6"),
                  node("BatchNormalization", {"g6", "bias", "bias", "bias", "bias"}, "bn"), node("Relu", {"bn"}, "y")},
                 {"y"});
  auto groups = find_fused_groups(g);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].nodes, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(groups[0].output, "r");
  EXPECT_EQ(groups[1].nodes, (std::vector<size_t>{3, 4}));
  EXPECT_EQ(groups[2].nodes, (std::vector<size_t>{5, 6}));
  EXPECT_EQ(groups[2].output, "g6");
  EXPECT_EQ(groups[3].nodes, (std::vector<size_t>{7, 8}));
  EXPECT_EQ(groups[3].output, "y");
}

TEST(FusedGroups, OnlyClipsFromZeroAndBiasAddsExtendAChain) {
  // Clip(-1, 6) is no ReLU: the Conv stands alone.
  EXPECT_TRUE(
      find_fused_groups(graph_with({node("Conv", {"x", "w"}, "c"), node("Clip", {"c", "minus", "six"}, "y")}, {"y"}))
          .empty());
  // Clip with a bound computed at run time.
  EXPECT_TRUE(
      find_fused_groups(graph_with({node("Conv", {"x", "w"}, "c"), node("Clip", {"c", "zero", "x"}, "y")}, {"y"}))
          .empty());
  // Clip(0) with no max, and the opset-6 form with attributes: both ReLUs.
  EXPECT_EQ(
      find_fused_groups(graph_with({node("Conv", {"x", "w"}, "c"), node("Clip", {"c", "zero"}, "y")}, {"y"})).size(),
      1u);
  Node clip6 = node("Clip", {"c"}, "y");
  clip6.opset = 6;
  clip6.attrs = {{"min", attr_float(0)}, {"max", attr_float(6)}};
  EXPECT_EQ(find_fused_groups(graph_with({node("Conv", {"x", "w"}, "c"), clip6}, {"y"})).size(), 1u);
  // Add + Clip is not a group; Add + Relu is.
  EXPECT_TRUE(
      find_fused_groups(graph_with({node("Add", {"x", "x"}, "a"), node("Clip", {"a", "zero", "six"}, "y")}, {"y"}))
          .empty());
  // A constant that is not a bias over the last axis ([3, 1]) ends the MatMul's chain: the Add then
  // heads its own Add + Relu group.
  auto groups = find_fused_groups(
      graph_with({node("MatMul", {"x", "w2"}, "m"), node("Add", {"m", "full"}, "a"), node("Relu", {"a"}, "y")}, {"y"}));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].nodes, (std::vector<size_t>{1, 2}));
}

TEST(FusedGroups, MultiOutputMembersAndOtherDomainsBreakTheChain) {
  Node bn = node("BatchNormalization", {"x", "bias", "bias", "bias", "bias"}, "b");
  bn.outputs.push_back("running_mean");
  EXPECT_TRUE(find_fused_groups(graph_with({bn, node("Relu", {"b"}, "y")}, {"y"})).empty());
  Node custom = node("Conv", {"x", "w"}, "c");
  custom.domain = "com.example";
  EXPECT_TRUE(find_fused_groups(graph_with({custom, node("Relu", {"c"}, "y")}, {"y"})).empty());
}

TEST(FusedGroups, TransformerMatMulsKeepTheirBiasAdds) {
  Graph g = load_onnx(std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/transformer_op17.onnx");
  int matmul_bias = 0;
  for (const FusedGroup& fg : find_fused_groups(g)) {
    if (g.nodes[fg.nodes[0]].op_type != "MatMul") continue;
    ASSERT_GE(fg.nodes.size(), 2u);
    EXPECT_EQ(g.nodes[fg.nodes[1]].op_type, "Add");
    EXPECT_EQ(fg.output, g.nodes[fg.nodes.back()].outputs[0]);
    ++matmul_bias;
  }
  EXPECT_GT(matmul_bias, 0) << "the fixture's linear layers are MatMul + Add(bias)";
}

}  // namespace
}  // namespace octet
