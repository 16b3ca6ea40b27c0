// fuse_conv_add: a residual Add joins the Conv before it (a sum post-op) only where no
// broadcasting is involved, and the fused graph computes what the original computes.
#include "passes/fuse_conv_add.h"

#include <gtest/gtest.h>

#include <random>

#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/fuse_conv_activation.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_value;

// x [1,4,6,6] -> Conv (3x3, pads 1) -> c; y = Relu(c + other). `other` is the input z [1,4,6,6]
// or the constant k [4,1,1] (broadcast along NCHW's channel axis).
Graph conv_add_relu(const std::string& other) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {f32_value("x", {1, 4, 6, 6}), f32_value("z", {1, 4, 6, 6})};
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  auto random = [&](Shape s) {
    Tensor t(DType::kFloat32, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = nd(rng);
    return t;
  };
  g.initializers = {{"w", random({4, 4, 3, 3})}, {"b", random({4})}, {"k", random({4, 1, 1})}};
  add_node(g, "Conv", {"x", "w", "b"}, "c").attrs["pads"] = ints_attr({1, 1, 1, 1});
  add_node(g, "Add", {other, "c"}, "s");
  add_node(g, "Relu", {"s"}, "y");
  for (const char* v : {"c", "s", "y"}) g.value_info[v] = f32_value(v, {1, 4, 6, 6});
  g.outputs = {f32_value("y", {1, 4, 6, 6})};
  return g;
}

std::map<std::string, Tensor> feeds() {
  std::mt19937 rng(9);
  std::normal_distribution<float> nd;
  std::map<std::string, Tensor> f;
  for (const char* name : {"x", "z"}) {
    Tensor t(DType::kFloat32, {1, 4, 6, 6});
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = nd(rng);
    f[name] = t;
  }
  return f;
}

TEST(FuseConvAdd, ResidualAndReluJoinTheConvolution) {
  Graph g = conv_add_relu("z");
  Graph fused = g;
  ASSERT_EQ(fuse_conv_add(fused), 1);
  ASSERT_EQ(fuse_conv_activation(fused), 1);
  ASSERT_EQ(fused.nodes.size(), 1u);
  const Node& n = fused.nodes[0];
  EXPECT_EQ(n.op_type, "ConvPostOps");
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "w", "b", "z"}));
  EXPECT_EQ(n.attr_string("activation", ""), "Relu");
  for (int threads : {1, 2}) {
    auto want = Executor(g, {.threads = threads}).run(feeds()),
         got = Executor(fused, {.threads = threads}).run(feeds());
    EXPECT_LT(testing::max_rel_diff(want.at("y"), got.at("y")), 1e-6);
  }
}

TEST(FuseConvAdd, BroadcastingAddStaysSeparate) {
  Graph g = conv_add_relu("k");
  EXPECT_EQ(fuse_conv_add(g), 0);
  EXPECT_EQ(testing::count_op(g, "Add"), 1);
}

TEST(FuseConvAdd, UnknownShapesStaySeparate) {
  Graph g = conv_add_relu("z");
  g.value_info.clear();
  g.inputs[1].has_shape = false;
  EXPECT_EQ(fuse_conv_add(g), 0);
}

TEST(FuseConvAdd, ResidualCnnFixturesLoseTheirAdds) {
  const std::string dir = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";
  for (const char* name : {"resnet_op17", "mobilenetv2_op18"}) {
    SCOPED_TRACE(name);
    Graph g = load_onnx(dir + name + ".onnx");
    Graph o = optimize_for_inference(g);
    int residual = 0;
    for (const Node& n : o.nodes) residual += n.op_type == "ConvPostOps" && n.has_input(3);
    EXPECT_GT(residual, 0);
    EXPECT_EQ(testing::count_op(g, "Add") - testing::count_op(o, "Add"), residual);
  }
}

}  // namespace
}  // namespace octet
