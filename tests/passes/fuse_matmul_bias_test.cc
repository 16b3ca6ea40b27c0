// MatMul + its bias Add -> com.octet MatMulBias, by the bias_add_after rule fuse_matmul_add and
// the quantizer's groups follow too.
#include "passes/fuse_matmul_bias.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "pass_test_util.h"

namespace octet {
namespace {

// y = Add(MatMul(x [2, 3, 4], w [4, 2]), b).
Graph linear_3d(Tensor bias) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{2, ""}, {3, ""}, {4, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::from_vector<float>({4, 2}, {1, -2, 3, 4, -5, 6, 7, 8});
  g.initializers["b"] = bias;
  g.nodes = {Node{"mm", "MatMul", "", 17, {"x", "w"}, {"m"}, {}}, Node{"add", "Add", "", 17, {"m", "b"}, {"y"}, {}}};
  return g;
}

TEST(FuseMatMulBias, BiasOverTheLastAxisOfAnyRankUpToTheProducts) {
  Tensor x(DType::kFloat32, {2, 3, 4});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 0.25f * float(i % 7) - 0.5f;
  for (Shape shape : {Shape{2}, Shape{1, 2}, Shape{1, 1, 2}}) {
    Graph g = linear_3d(Tensor::from_vector<float>(shape, {0.5f, -1.5f}));
    const Tensor want = Executor(g).run({{"x", x}}).at("y");
    ASSERT_EQ(fuse_matmul_bias(g), 1) << shape_str(shape);
    EXPECT_EQ(testing::count_op(g, "MatMulBias"), 1);
    EXPECT_EQ(testing::max_rel_diff(want, Executor(g).run({{"x", x}}).at("y")), 0) << shape_str(shape);
  }
  Graph up = linear_3d(Tensor::from_vector<float>({1, 1, 1, 2}, {0.5f, -1.5f}));
  EXPECT_EQ(fuse_matmul_bias(up), 0) << "a rank-4 bias would make the rank-3 product rank 4";
}

}  // namespace
}  // namespace octet
