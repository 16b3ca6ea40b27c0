// The shared graph helpers: readers (subgraph bodies included), producers, fresh names, and node
// removal that leaves no initializer or value_info behind for values gone from the graph.
#include "passes/graph_util.h"

#include <gtest/gtest.h>

#include <memory>

namespace octet {
namespace {

// x -> A -> a -> B(a, a) -> b ; a -> C -> c (graph output); If's then-branch reads "a" from the
// outer scope.
Graph sample_graph() {
  Graph g;
  g.inputs.push_back({"x", DType::kFloat32, false, {}});
  g.outputs.push_back({"c", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::scalar<float>(1);
  g.initializers["spare"] = Tensor::scalar<float>(2);
  g.value_info["a"] = {"a", DType::kFloat32, false, {}};
  g.value_info["b"] = {"b", DType::kFloat32, false, {}};
  g.nodes = {Node{"A", "Relu", "", 17, {"x"}, {"a"}, {}}, Node{"B", "Add", "", 17, {"a", "a"}, {"b"}, {}},
             Node{"C", "Mul", "", 17, {"a", "w"}, {"c"}, {}}};
  return g;
}

TEST(GraphUtil, ConsumersProducerAndGraphOutputs) {
  Graph g = sample_graph();
  EXPECT_EQ(consumers(g, "a"), (std::vector<size_t>{1, 2})) << "B reads a twice but is listed once";
  EXPECT_EQ(consumers(g, "c"), std::vector<size_t>{});
  EXPECT_EQ(sole_consumer(g, "a"), -1) << "two readers";
  EXPECT_EQ(sole_consumer(g, "x"), 0);
  EXPECT_EQ(sole_consumer(g, "b"), -1) << "no reader";
  EXPECT_EQ(producer_index(g, "b"), 1);
  EXPECT_EQ(producer_index(g, "x"), -1);
  EXPECT_EQ(producer_index(g, "w"), -1);
  EXPECT_TRUE(is_graph_output(g, "c"));
  EXPECT_FALSE(is_graph_output(g, "a"));

  g.nodes.push_back(Node{"D", "Relu", "", 17, {"c"}, {"d"}, {}});
  EXPECT_EQ(sole_consumer(g, "c"), -1) << "a graph output is never safe to rename";
}

TEST(GraphUtil, SubgraphReadsCount) {
  Graph g = sample_graph();
  auto body = std::make_shared<Graph>();
  body->nodes = {Node{"inner", "Identity", "", 17, {"b"}, {"out"}, {}}};
  Node if_node{"If", "If", "", 17, {"x"}, {"z"}, {}};
  if_node.attrs["then_branch"].kind = Attribute::Kind::kGraph;
  if_node.attrs["then_branch"].g = body;
  g.nodes.push_back(if_node);
  EXPECT_EQ(consumers(g, "b"), std::vector<size_t>{3});
  EXPECT_EQ(sole_consumer(g, "b"), 3);
}

TEST(GraphUtil, FreshNameAvoidsEveryName) {
  Graph g = sample_graph();
  g.nodes.push_back(Node{"E", "Relu", "", 17, {"undefined_value"}, {"e"}, {}});
  EXPECT_EQ(fresh_name(g, "new"), "new");
  for (const char* taken : {"x", "a", "c", "w", "B", "undefined_value"})
    EXPECT_EQ(fresh_name(g, taken), std::string(taken) + "_1") << taken;
  g.initializers["w_1"] = Tensor::scalar<float>(0);
  EXPECT_EQ(fresh_name(g, "w"), "w_2");
}

TEST(GraphUtil, RemoveNodesDropsWhatNothingUsesAnyMore) {
  Graph g = sample_graph();
  remove_nodes(g, {1, 2});
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].name, "A");
  EXPECT_FALSE(g.initializers.count("w")) << "only the removed Mul read it";
  EXPECT_FALSE(g.value_info.count("b")) << "its producer is gone";
  EXPECT_TRUE(g.value_info.count("a")) << "A still writes it";

  Graph h = sample_graph();
  h.outputs.push_back({"spare", DType::kFloat32, false, {}});
  drop_unused_initializers(h);
  EXPECT_TRUE(h.initializers.count("spare")) << "a graph output is kept";
  EXPECT_TRUE(h.initializers.count("w"));
  h.outputs.pop_back();
  drop_unused_initializers(h);
  EXPECT_FALSE(h.initializers.count("spare"));
}

// y = MatMul(x, w) -> Add(y, b) -> z: the bias Add is found only for a constant float32 of n values
// over the last axis that is y's sole reader's other operand, and adds no axes to y.
TEST(GraphUtil, BiasAddAfterFindsOnlyAConstantVectorOfTheRightLength) {
  Graph g;
  g.inputs.push_back({"x", DType::kFloat32, false, {}});
  g.outputs.push_back({"z", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor(DType::kFloat32, {4, 3});
  g.initializers["b"] = Tensor(DType::kFloat32, {3});
  g.initializers["b2d"] = Tensor(DType::kFloat32, {1, 3});
  g.nodes = {Node{"M", "MatMul", "", 17, {"x", "w"}, {"y"}, {}}, Node{"A", "Add", "", 17, {"b", "y"}, {"z"}, {}}};
  std::string bias;
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias), 1);
  EXPECT_EQ(bias, "b");
  EXPECT_EQ(bias_add_after(g, "y", 4, &bias), -1) << "wrong length";
  g.nodes[1].inputs[0] = "b2d";
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias), -1) << "[1, 3] on y of unknown rank";
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias, /*keeps_shape=*/false), 1) << "still a bias, for grouping";
  g.inputs[0] = {"x", DType::kFloat32, true, {{5, ""}, {4, ""}}};
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias), 1) << "[1, 3] on y [5, 3]";
  EXPECT_EQ(bias, "b2d");
  g.initializers["b3d"] = Tensor(DType::kFloat32, {1, 1, 3});
  g.initializers["b31"] = Tensor(DType::kFloat32, {3, 1});
  for (const char* other : {"b3d", "b31"}) {
    g.nodes[1].inputs[0] = other;
    EXPECT_EQ(bias_add_after(g, "y", 3, &bias), -1) << other << ": would broadcast y up or is no bias over N";
  }
  g.nodes[1].inputs[0] = "x";
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias), -1) << "not a constant";
  g.nodes[1].inputs[0] = "b";
  g.nodes.push_back(Node{"R", "Relu", "", 17, {"y"}, {"r"}, {}});
  EXPECT_EQ(bias_add_after(g, "y", 3, &bias), -1) << "y has a second reader";
}

}  // namespace
}  // namespace octet
