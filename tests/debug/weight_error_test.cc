#include "debug/weight_error.h"

#include <gtest/gtest.h>

#include <cmath>

#include "octet/error.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;

// A [2, 3] weight as Gemm (transB = 0) reads it: output channels on axis 1.
struct Weight {
  Graph g;
  Tensor w = Tensor::from_vector<float>({2, 3}, {1.0f, 2.0f, 0.0f, 1.1f, 4.0f, 0.0f});
  Node* dq;
  Node* gemm;
  explicit Weight(std::vector<float> scales, int axis) {
    g.initializers["wq"] = Tensor::from_vector<int8_t>({2, 3}, {1, 1, 0, 1, 2, 0});
    g.initializers["ws"] = Tensor::from_vector<float>({static_cast<int64_t>(scales.size())}, scales);
    if (scales.size() == 1) g.initializers["ws"] = g.initializers["ws"].reshaped({});
    add_node(g, "DequantizeLinear", {"wq", "ws"}, "w");
    if (axis != 1) g.nodes.back().attrs["axis"].i = axis;
    add_node(g, "Gemm", {"x", "w"}, "y");
    dq = &g.nodes[0];
    gemm = &g.nodes[1];
  }
};

TEST(WeightError, PerChannelSqnrOnTheDequantizeLinearAxis) {
  Weight t({1.0f, 2.0f, 1.0f}, 1);  // channel c of column c: dequantized [[1, 2, 0], [1, 4, 0]]
  const WeightError e = weight_error(t.g, *t.dq, *t.gemm, t.w);
  EXPECT_EQ(e.name, "wq");
  EXPECT_EQ(e.axis, 1);
  ASSERT_EQ(e.channel_sqnr_db.size(), 3u);
  EXPECT_NEAR(e.channel_sqnr_db[0], 10 * std::log10((1.0 + 1.21) / 0.01), 1e-3);  // 1.1 read as 1
  EXPECT_TRUE(std::isinf(e.channel_sqnr_db[1]) && e.channel_sqnr_db[1] > 0);      // exact
  EXPECT_TRUE(std::isinf(e.channel_sqnr_db[2]) && e.channel_sqnr_db[2] > 0);      // zeros, exact
  EXPECT_EQ(e.worst_channel, 0);
  EXPECT_NEAR(e.sqnr_db, 10 * std::log10((1.0 + 4 + 1.21 + 16) / 0.01), 1e-3);
}

TEST(WeightError, PerTensorUsesTheReadersOutputChannelAxis) {
  Weight t({2.0f}, 1);  // dequantized [[2, 2, 0], [2, 4, 0]]
  const WeightError e = weight_error(t.g, *t.dq, *t.gemm, t.w);
  EXPECT_EQ(e.axis, 1);  // Gemm without transB: [K, N]
  EXPECT_NEAR(e.channel_sqnr_db[0], 10 * std::log10((1.0 + 1.21) / (1.0 + 0.81)), 1e-3);
  EXPECT_TRUE(std::isinf(e.channel_sqnr_db[1]));
  t.gemm->attrs["transB"].i = 1;
  EXPECT_EQ(weight_error(t.g, *t.dq, *t.gemm, t.w).axis, 0);
}

TEST(WeightError, NamesTheWeightWhenShapesDiffer) {
  Weight t({1.0f, 2.0f, 1.0f}, 1);
  try {
    weight_error(t.g, *t.dq, *t.gemm, Tensor(DType::kFloat32, {3, 2}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight 'wq' [2,3] does not match the float model's [3,2]"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace octet
