// fuse_for_quantization: every rewrite, repeated until none applies, on the fixture CNNs (the ResNet
// keeps BN after Conv) and on chains that need more than one round.
#include "passes/fuse.h"

#include <gtest/gtest.h>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::count_op;
using testing::max_rel_diff;

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

TEST(FuseForQuantization, FixturesComputeTheSameFunctionAndSecondRunDoesNothing) {
  for (const char* name :
       {"resnet_op17", "resnet_op18", "mobilenetv2_op17", "mobilenetv2_op18", "mlp_op17", "transformer_op17"}) {
    Graph g = load_onnx(kModels + std::string(name) + ".onnx");
    auto feeds = read_npz(kModels + std::string(name) + ".inputs.npz");
    Graph f = g;
    const int rewrites = fuse_for_quantization(f);
    EXPECT_EQ(f.nodes.size(), g.nodes.size() - rewrites) << name << ": each rewrite removes one node";
    auto want = Executor(g).run(feeds), got = Executor(f).run(feeds);
    for (const auto& [out, t] : want) EXPECT_LE(max_rel_diff(t, got.at(out)), 1e-5) << name << " " << out;
    // The values the rewrites removed (written before, by nobody now) keep no value_info.
    for (const Node& n : g.nodes)
      for (const auto& o : n.outputs) {
        if (!f.value_info.count(o)) continue;
        EXPECT_GE(producer_index(f, o), 0) << name << ": value_info of removed '" << o << "'";
      }
    Graph again = f;
    EXPECT_EQ(fuse_for_quantization(again), 0) << name;
    EXPECT_EQ(again.nodes.size(), f.nodes.size()) << name;
  }
  Graph resnet = load_onnx(kModels + "resnet_op17.onnx");
  EXPECT_GT(fuse_for_quantization(resnet), 0);
  EXPECT_EQ(count_op(resnet, "BatchNormalization"), 0);
}

// x [2, 3] -> MatMul(w) -> BN -> BN -> Add(bias): three rounds' worth of rewrites into one Gemm.
TEST(FuseForQuantization, RepeatsUntilNoRewriteApplies) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{2, ""}, {3, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::from_vector<float>({3, 2}, {1, -2, 3, 4, -5, 6});
  g.initializers["gamma"] = Tensor::from_vector<float>({2}, {2, 0.5f});
  g.initializers["beta"] = Tensor::from_vector<float>({2}, {0.1f, -0.2f});
  g.initializers["mean"] = Tensor::from_vector<float>({2}, {1, -1});
  g.initializers["var"] = Tensor::from_vector<float>({2}, {4, 0.25f});
  g.initializers["b"] = Tensor::from_vector<float>({2}, {0.5f, -0.5f});
  g.nodes = {Node{"mm", "MatMul", "", 17, {"x", "w"}, {"m"}, {}},
             Node{"bn1", "BatchNormalization", "", 17, {"m", "gamma", "beta", "mean", "var"}, {"n1"}, {}},
             Node{"bn2", "BatchNormalization", "", 17, {"n1", "gamma", "beta", "mean", "var"}, {"n2"}, {}},
             Node{"add", "Add", "", 17, {"n2", "b"}, {"y"}, {}}};
  const Tensor x = Tensor::from_vector<float>({2, 3}, {1, -1, 2, 0, 3, -2});
  const Tensor want = Executor(g).run({{"x", x}}).at("y");
  // The Gemm made from MatMul + BN takes the second BN, then the Add of a per-column constant.
  EXPECT_EQ(fuse_for_quantization(g), 3);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "Gemm");
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_LE(max_rel_diff(want, Executor(g).run({{"x", x}}).at("y")), 1e-6);
  EXPECT_EQ(fuse_for_quantization(g), 0);
}

}  // namespace
}  // namespace octet
