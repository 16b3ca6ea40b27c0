// MatMul + Add(bias) -> Gemm on rank-2 inputs only, with the bias in either operand slot.
#include "passes/fuse_matmul_add.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"

namespace octet {
namespace {

using testing::count_op;
using testing::max_rel_diff;

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

// y = Add(bias, MatMul(x [x_shape], w [3, 2])).
Graph matmul_add_graph(std::vector<Dim> x_shape, Tensor bias) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, std::move(x_shape)});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  g.initializers["b"] = bias;
  g.value_info["m"] = {"m", DType::kFloat32, false, {}};
  g.nodes = {Node{"mm", "MatMul", "", 17, {"x", "w"}, {"m"}, {}}, Node{"add", "Add", "", 17, {"b", "m"}, {"y"}, {}}};
  return g;
}

TEST(FuseMatMulAdd, RankTwoMatMulPlusBiasBecomesGemm) {
  const Tensor x = Tensor::from_vector<float>({2, 3}, {1, -1, 2, 0, 3, -2});
  for (Tensor bias :
       {Tensor::from_vector<float>({2}, {0.5f, -0.5f}), Tensor::from_vector<float>({1, 2}, {0.5f, -0.5f})}) {
    Graph g = matmul_add_graph({{2, ""}, {3, ""}}, bias);
    const Tensor want = Executor(g).run({{"x", x}}).at("y");
    ASSERT_EQ(fuse_matmul_add(g), 1);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].op_type, "Gemm");
    EXPECT_EQ(g.nodes[0].outputs[0], "y");
    EXPECT_EQ(g.initializers.at(g.nodes[0].inputs[2]).shape(), Shape{2}) << "Gemm's bias is [N]";
    EXPECT_FALSE(g.value_info.count("m"));
    EXPECT_EQ(max_rel_diff(want, Executor(g).run({{"x", x}}).at("y")), 0);
  }
}

int fused_pairs(Graph g) { return fuse_matmul_add(g); }

TEST(FuseMatMulAdd, LeavesOtherShapesAndSharedValuesAlone) {
  // Rank-3 X: Gemm takes matrices only, MatMul + Add stay (find_fused_groups pairs them).
  EXPECT_EQ(fused_pairs(matmul_add_graph({{4, ""}, {2, ""}, {3, ""}}, Tensor::from_vector<float>({2}, {1, 2}))), 0);
  // X of unknown rank.
  EXPECT_EQ(fused_pairs(matmul_add_graph({}, Tensor::from_vector<float>({2}, {1, 2}))), 0);
  // [2, 2] is not a bias over N.
  EXPECT_EQ(fused_pairs(matmul_add_graph({{2, ""}, {3, ""}}, Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}))), 0);
  // [1, 1, 2] would broadcast the product to rank 3.
  EXPECT_EQ(fused_pairs(matmul_add_graph({{2, ""}, {3, ""}}, Tensor::from_vector<float>({1, 1, 2}, {1, 2}))), 0);
  Graph out = matmul_add_graph({{2, ""}, {3, ""}}, Tensor::from_vector<float>({2}, {1, 2}));
  out.outputs.push_back({"m", DType::kFloat32, false, {}});
  EXPECT_EQ(fuse_matmul_add(out), 0) << "the MatMul output is a graph output";
  Graph twice = matmul_add_graph({{2, ""}, {3, ""}}, Tensor::from_vector<float>({2}, {1, 2}));
  twice.nodes.push_back(Node{"relu", "Relu", "", 17, {"m"}, {"r"}, {}});
  twice.outputs.push_back({"r", DType::kFloat32, false, {}});
  EXPECT_EQ(fuse_matmul_add(twice), 0) << "the MatMul output is read twice";
}

TEST(FuseMatMulAdd, TransformerFixtureKeepsItsRankThreeMatMuls) {
  Graph g = load_onnx(kModels + "transformer_op17.onnx");
  const Graph before = g;
  ASSERT_GT(count_op(g, "MatMul"), 0);
  EXPECT_EQ(fuse_matmul_add(g), 0) << "activations are [batch, seq, features]";
  EXPECT_EQ(g.nodes.size(), before.nodes.size());
}

}  // namespace
}  // namespace octet
