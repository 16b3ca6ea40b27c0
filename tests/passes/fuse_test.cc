// Fusion keeps the float function (tested on the fixture CNNs that keep BN after Conv) and
// refuses the cases where folding would change it.
#include "passes/fuse.h"

#include <gtest/gtest.h>

#include "core/npy.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "passes/fuse_groups.h"
#include "pass_test_util.h"

namespace octet {
namespace {

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

using testing::count_op;
using testing::max_rel_diff;

TEST(FuseConvBn, FixturesComputeTheSameFunction) {
  for (const char* name : {"resnet_op17", "mobilenetv2_op18", "lenet_op17"}) {
    Graph g = load_onnx(kModels + std::string(name) + ".onnx");
    auto feeds = read_npz(kModels + std::string(name) + ".inputs.npz");
    const int bns = count_op(g, "BatchNormalization");
    Graph f = g;
    const int folded = fuse_conv_bn(f);
    EXPECT_EQ(count_op(f, "BatchNormalization"), bns - folded) << name;
    EXPECT_EQ(f.nodes.size(), g.nodes.size() - folded);
    auto want = Executor(g).run(feeds), got = Executor(f).run(feeds);
    for (const auto& [out, t] : want) EXPECT_LE(max_rel_diff(t, got.at(out)), 1e-5) << name << " " << out;
    EXPECT_EQ(fuse_conv_bn(f), 0) << "idempotent";
  }
  Graph resnet = load_onnx(kModels + "resnet_op17.onnx");
  EXPECT_GT(fuse_conv_bn(resnet), 0) << "the ResNet fixture keeps BN after its convolutions";
}

Graph conv_bn_graph(bool conv_output_also_read, bool conv_output_is_graph_output, bool bn_param_is_input) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{1, ""}, {2, ""}, {3, ""}, {3, ""}}});
  if (bn_param_is_input) g.inputs.push_back({"gamma", DType::kFloat32, true, {{2, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::from_vector<float>({2, 2, 1, 1}, {1, 2, 3, 4});
  if (!bn_param_is_input) g.initializers["gamma"] = Tensor::from_vector<float>({2}, {2, 0.5f});
  g.initializers["beta"] = Tensor::from_vector<float>({2}, {0.1f, -0.2f});
  g.initializers["mean"] = Tensor::from_vector<float>({2}, {1, -1});
  g.initializers["var"] = Tensor::from_vector<float>({2}, {4, 0.25f});
  Node conv{"conv", "Conv", "", 17, {"x", "w"}, {"c"}, {}};
  Node bn{"bn", "BatchNormalization", "", 17, {"c", "gamma", "beta", "mean", "var"}, {"y"}, {}};
  g.nodes = {conv, bn};
  if (conv_output_also_read) {
    g.nodes.push_back(Node{"relu", "Relu", "", 17, {"c"}, {"r"}, {}});
    g.outputs.push_back({"r", DType::kFloat32, false, {}});
  }
  if (conv_output_is_graph_output) g.outputs.push_back({"c", DType::kFloat32, false, {}});
  return g;
}

TEST(FuseConvBn, FoldsHandBuiltPairExactlyAsTheFormula) {
  Graph g = conv_bn_graph(false, false, false);
  Tensor x(DType::kFloat32, {1, 2, 3, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 0.1f * i - 0.7f;
  Tensor want = Executor(g).run({{"x", x}}).at("y");
  ASSERT_EQ(fuse_conv_bn(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  Tensor got = Executor(g).run({{"x", x}}).at("y");
  EXPECT_LE(max_rel_diff(want, got), 1e-6);
  EXPECT_FALSE(g.initializers.count("gamma")) << "BN parameters are dropped";
}

TEST(FuseConvBn, RefusesWhenFoldingWouldChangeTheGraph) {
  Graph a = conv_bn_graph(true, false, false);
  EXPECT_EQ(fuse_conv_bn(a), 0) << "Conv output read by another node";
  Graph b = conv_bn_graph(false, true, false);
  EXPECT_EQ(fuse_conv_bn(b), 0) << "Conv output is a graph output";
  Graph c = conv_bn_graph(false, false, true);
  EXPECT_EQ(fuse_conv_bn(c), 0) << "BN parameter is not a constant";
}

TEST(FuseMatMulAdd, TwoDimensionalMatMulPlusBiasBecomesGemm) {
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  auto feeds = read_npz(kModels + "mlp_op17.inputs.npz");
  auto want = Executor(g).run(feeds);
  fuse_for_quantization(g);
  EXPECT_EQ(count_op(g, "MatMul"), 0);
  auto got = Executor(g).run(feeds);
  for (const auto& [out, t] : want) EXPECT_LE(max_rel_diff(t, got.at(out)), 1e-6);

  Graph h;
  h.opsets[""] = 17;
  h.inputs.push_back({"x", DType::kFloat32, true, {{2, ""}, {3, ""}}});
  h.outputs.push_back({"y", DType::kFloat32, false, {}});
  h.initializers["w"] = Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  h.initializers["b"] = Tensor::from_vector<float>({2}, {0.5f, -0.5f});
  h.nodes = {Node{"mm", "MatMul", "", 17, {"x", "w"}, {"m"}, {}}, Node{"add", "Add", "", 17, {"b", "m"}, {"y"}, {}}};
  Tensor x = Tensor::from_vector<float>({2, 3}, {1, -1, 2, 0, 3, -2});
  Tensor ref = Executor(h).run({{"x", x}}).at("y");
  ASSERT_EQ(fuse_matmul_add(h), 1);
  ASSERT_EQ(h.nodes.size(), 1u);
  EXPECT_EQ(h.nodes[0].op_type, "Gemm");
  EXPECT_LE(max_rel_diff(ref, Executor(h).run({{"x", x}}).at("y")), 0);
}

TEST(FusedGroups, ConvReluAndAddReluChainsStopAtSharedValues) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, false, {}});
  g.outputs.push_back({"z", DType::kFloat32, false, {}});
  g.outputs.push_back({"c2", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor(DType::kFloat32, {1, 1, 1, 1});
  g.nodes = {Node{"conv", "Conv", "", 17, {"x", "w"}, {"c"}, {}}, Node{"relu", "Relu", "", 17, {"c"}, {"r"}, {}},
             Node{"conv2", "Conv", "", 17, {"r", "w"}, {"c2"}, {}},
             Node{"relu2", "Relu", "", 17, {"c2"}, {"r2"}, {}},  // c2 is a graph output: no fusion
             Node{"add", "Add", "", 17, {"r", "r2"}, {"a"}, {}}, Node{"relu3", "Relu", "", 17, {"a"}, {"z"}, {}}};
  auto groups = find_fused_groups(g);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].nodes, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(groups[0].output, "r");
  EXPECT_EQ(groups[1].nodes, (std::vector<size_t>{4, 5}));
  EXPECT_EQ(groups[1].output, "z");
}

}  // namespace
}  // namespace octet
