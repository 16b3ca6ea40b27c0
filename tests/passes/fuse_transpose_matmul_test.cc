// fuse_transpose_matmul and com.octet TransposedMatMul: attention's head split and merge around its
// two MatMuls become strides (no Transpose left) and compute what the Transposes and MatMuls do,
// with broadcasting and 1-D operands; perms that leave no unit stride, constant weights and shared
// Transposes are left alone; a bad perm is an error naming the node.
#include "passes/fuse_transpose_matmul.h"

#include <gtest/gtest.h>

#include <cmath>

#include "octet/runtime.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::count_op;
using testing::expect_same_outputs;
using testing::f32_value;
using testing::sine_tensor;

// ctx = Transpose(Softmax(Transpose(q) x Transpose(k)) x Transpose(v)): [2, 5, 3, 4] in and out.
Graph attention() {
  Graph g;
  g.opsets[""] = 17;
  for (const char* name : {"q", "k", "v"}) g.inputs.push_back(f32_value(name, {2, 5, 3, 4}));
  g.outputs.push_back(f32_value("ctx", {2, 5, 3, 4}));
  add_node(g, "Transpose", {"q"}, "qt").attrs["perm"] = ints_attr({0, 2, 1, 3});
  add_node(g, "Transpose", {"k"}, "kt").attrs["perm"] = ints_attr({0, 2, 3, 1});
  add_node(g, "Transpose", {"v"}, "vt").attrs["perm"] = ints_attr({0, 2, 1, 3});
  add_node(g, "MatMul", {"qt", "kt"}, "scores");
  add_node(g, "Softmax", {"scores"}, "p");
  add_node(g, "MatMul", {"p", "vt"}, "c");
  add_node(g, "Transpose", {"c"}, "ctx").attrs["perm"] = ints_attr({0, 2, 1, 3});
  return g;
}

TEST(FuseTransposeMatMul, AttentionLosesEveryTranspose) {
  Graph g = attention();
  Graph f = g;
  EXPECT_EQ(fuse_transpose_matmul(f), 2);
  EXPECT_EQ(count_op(f, "Transpose"), 0);
  EXPECT_EQ(count_op(f, "TransposedMatMul"), 2);
  expect_same_outputs(
      g, f,
      {{"q", sine_tensor({2, 5, 3, 4}, 0)}, {"k", sine_tensor({2, 5, 3, 4}, 1)}, {"v", sine_tensor({2, 5, 3, 4}, 2)}},
      1e-5);
}

// A transposed [2, 3, 5, 4] against a plain B that broadcasts ([1, 4, 6]) or is a vector ([4]).
TEST(FuseTransposeMatMul, BroadcastAndVectorOperands) {
  for (const Shape& b_shape : {Shape{1, 4, 6}, Shape{4}}) {
    Graph g;
    g.opsets[""] = 17;
    g.inputs.push_back(f32_value("a", {2, 5, 3, 4}));
    g.inputs.push_back(f32_value("b", b_shape));
    g.outputs.push_back(f32_value("y", {}));
    g.outputs.back().has_shape = false;
    add_node(g, "Transpose", {"a"}, "at").attrs["perm"] = ints_attr({0, 2, 1, 3});
    add_node(g, "MatMul", {"at", "b"}, "y");
    Graph f = g;
    EXPECT_EQ(fuse_transpose_matmul(f), 1) << shape_str(b_shape);
    expect_same_outputs(g, f, {{"a", sine_tensor({2, 5, 3, 4}, 0)}, {"b", sine_tensor(b_shape, 1)}}, 1e-5);
  }
}

TEST(FuseTransposeMatMul, LeavesOtherTransposesAlone) {
  Graph no_unit = attention();
  no_unit.nodes[0].attrs["perm"] = ints_attr({3, 2, 1, 0});  // q's last axis goes first: no unit stride
  no_unit.nodes[0].outputs = {"qt"};
  EXPECT_EQ(fuse_transpose_matmul(no_unit), 2);
  EXPECT_EQ(count_op(no_unit, "Transpose"), 1);  // that one stays, the others go
  Graph shared = attention();
  add_node(shared, "Relu", {"kt"}, "r");
  shared.outputs.push_back(f32_value("r", {2, 3, 4, 5}));
  fuse_transpose_matmul(shared);
  EXPECT_EQ(count_op(shared, "Transpose"), 1);  // kt has two readers
  Graph weights;
  weights.opsets[""] = 17;
  weights.inputs.push_back(f32_value("a", {2, 5, 3, 4}));
  weights.outputs.push_back(f32_value("y", {2, 3, 5, 6}));
  weights.initializers["w"] = sine_tensor({4, 6}, 0);
  add_node(weights, "Transpose", {"a"}, "at").attrs["perm"] = ints_attr({0, 2, 1, 3});
  add_node(weights, "MatMul", {"at", "w"}, "y");
  EXPECT_EQ(fuse_transpose_matmul(weights), 0);
}

TEST(FuseTransposeMatMul, BadPermIsAnErrorNamingTheNode) {
  Graph f = attention();
  fuse_transpose_matmul(f);
  for (Node& n : f.nodes)
    if (n.op_type == "TransposedMatMul") n.attrs["perm_a"] = ints_attr({0, 2, 2, 3});
  Executor exec(f);
  std::map<std::string, Tensor> feeds{
      {"q", sine_tensor({2, 5, 3, 4}, 0)}, {"k", sine_tensor({2, 5, 3, 4}, 1)}, {"v", sine_tensor({2, 5, 3, 4}, 2)}};
  try {
    exec.run(feeds);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("perm_a is not a permutation"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("TransposedMatMul"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet
