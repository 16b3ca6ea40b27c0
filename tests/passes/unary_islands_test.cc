// unary_islands: element-wise nodes computing a function of one value are found as one island
// (the largest ending at a node); a value read outside, a second input or a per-channel constant
// ends it.
#include "passes/unary_islands.h"

#include <gtest/gtest.h>

#include "pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;

// x [2, 4, 3, 3] -> Relu -> r; s = Sigmoid(r); y = r * s (SiLU of Relu(x)); z = y + `addend`.
Graph silu_chain(const std::string& addend) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 4, 3, 3}), testing::f32_value("other", {2, 4, 3, 3})};
  g.initializers = {{"half", testing::f32_scalar(0.5f)}, {"per_channel", testing::sine_tensor({4, 1, 1}, 0)}};
  add_node(g, "Relu", {"x"}, "r");
  add_node(g, "Sigmoid", {"r"}, "s");
  add_node(g, "Mul", {"r", "s"}, "y");
  add_node(g, "Add", {"y", addend}, "z");
  g.outputs = {testing::f32_value("z", {})};
  return g;
}

TEST(UnaryIslands, SiluOfReluIsOneIslandOfX) {
  Graph g = silu_chain("half");
  auto island = unary_island_ending_at(g, 3);
  ASSERT_TRUE(island);
  EXPECT_EQ(island->input, "x");
  EXPECT_EQ(island->nodes, (std::vector<size_t>{0, 1, 2, 3}));
  auto inner = unary_island_ending_at(g, 2);  // ending at the Mul
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->nodes, (std::vector<size_t>{0, 1, 2}));
}

TEST(UnaryIslands, SecondInputsAndPerChannelConstantsEndIt) {
  Graph two = silu_chain("other");
  EXPECT_FALSE(unary_island_ending_at(two, 3));  // reads x and other
  Graph per_channel = silu_chain("per_channel");
  EXPECT_FALSE(unary_island_ending_at(per_channel, 3));  // not one function of each code
  ASSERT_TRUE(unary_island_ending_at(per_channel, 2));
}

TEST(UnaryIslands, ValueReadOutsideStaysOutside) {
  Graph g = silu_chain("half");
  g.outputs.push_back(testing::f32_value("r", {}));  // Relu's output leaves the island
  auto island = unary_island_ending_at(g, 3);
  ASSERT_TRUE(island);
  EXPECT_EQ(island->input, "r");
  EXPECT_EQ(island->nodes, (std::vector<size_t>{1, 2, 3}));
}

}  // namespace
}  // namespace octet
