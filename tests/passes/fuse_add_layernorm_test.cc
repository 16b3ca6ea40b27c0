// fuse_add_layernorm: residual Add + LayerNormalization -> com.octet AddLayerNorm, bit for bit the
// two ops (same shapes, a broadcasting Add, one-value Scale and B, no B), and left alone where the
// sum or the statistics are used elsewhere.
#include "passes/fuse_add_layernorm.h"

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

// y = LayerNormalization(a + b) over the last axis of 24; b of `b_shape`.
Graph residual_norm(const Shape& b_shape, int64_t scale_n, bool with_bias) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back(f32_value("a", {2, 3, 24}));
  g.inputs.push_back(f32_value("b", b_shape));
  g.outputs.push_back(f32_value("y", {2, 3, 24}));
  g.initializers["scale"] = sine_tensor({scale_n}, 0.5f);
  add_node(g, "Add", {"a", "b"}, "s");
  std::vector<std::string> ins = {"s", "scale"};
  if (with_bias) {
    g.initializers["bias"] = sine_tensor({scale_n}, 1.5f);
    ins.push_back("bias");
  }
  add_node(g, "LayerNormalization", ins, "y").attrs["epsilon"] = float_attr(1e-3f);
  return g;
}

TEST(FuseAddLayerNorm, SameBitsAsAddThenLayerNorm) {
  for (const Shape& b_shape : {Shape{2, 3, 24}, Shape{1, 3, 24}, Shape{24}})
    for (int64_t scale_n : {24, 1})
      for (bool with_bias : {true, false}) {
        SCOPED_TRACE(shape_str(b_shape) + " scale " + std::to_string(scale_n) + (with_bias ? " bias" : ""));
        Graph g = residual_norm(b_shape, scale_n, with_bias);
        Graph f = g;
        EXPECT_EQ(fuse_add_layernorm(f), 1);
        EXPECT_EQ(count_op(f, "Add"), 0);
        EXPECT_EQ(count_op(f, "AddLayerNorm"), 1);
        expect_same_outputs(g, f, {{"a", sine_tensor({2, 3, 24}, 0.f)}, {"b", sine_tensor(b_shape, 2.f)}});
      }
}

TEST(FuseAddLayerNorm, LeavesSharedSumsAndUsedStatisticsAlone) {
  Graph shared = residual_norm({2, 3, 24}, 24, true);
  shared.outputs.push_back(f32_value("s", {2, 3, 24}));  // the sum is also a graph output
  EXPECT_EQ(fuse_add_layernorm(shared), 0);
  Graph stats = residual_norm({2, 3, 24}, 24, true);
  stats.nodes.back().outputs.push_back("mean");
  stats.outputs.push_back(f32_value("mean", {2, 3, 1}));
  EXPECT_EQ(fuse_add_layernorm(stats), 0);
  Graph reread = residual_norm({2, 3, 24}, 24, true);
  add_node(reread, "Relu", {"s"}, "r");
  reread.outputs.push_back(f32_value("r", {2, 3, 24}));
  EXPECT_EQ(fuse_add_layernorm(reread), 0);
}

}  // namespace
}  // namespace octet
