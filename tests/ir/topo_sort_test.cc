#include "ir/topo_sort.h"

#include <gtest/gtest.h>

namespace octet {
namespace {

Node make_node(const std::string& name, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = name;
  n.op_type = "Relu";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

Graph chain() {
  Graph g;
  g.inputs.push_back({"x", DType::kFloat32, false, {}});
  // listed out of order: c uses b's output
  g.nodes = {make_node("c", {"b_out"}, {"y"}), make_node("a", {"x"}, {"a_out"}), make_node("b", {"a_out"}, {"b_out"})};
  return g;
}

TEST(TopoSort, OrdersByDependencyKeepingModelOrderOtherwise) {
  EXPECT_EQ(topological_order(chain(), false), (std::vector<size_t>{1, 2, 0}));
}

TEST(TopoSort, RejectsUndefinedInputCycleAndDoubleProducer) {
  Graph g = chain();
  g.nodes[1].inputs = {"nowhere"};
  try {
    topological_order(g, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'nowhere'"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(topological_order(g, true));  // subgraphs read the enclosing scope

  Graph cyc = chain();
  cyc.nodes[1].inputs = {"y"};
  EXPECT_THROW(topological_order(cyc, false), Error);

  Graph twice = chain();
  twice.nodes[2].outputs = {"a_out"};
  EXPECT_THROW(topological_order(twice, false), Error);
}

TEST(TopoSort, FreeValuesIncludeNestedSubgraphReads) {
  auto inner = std::make_shared<Graph>();
  inner->nodes = {make_node("n", {"outer_v"}, {"o"})};
  inner->outputs.push_back({"o", DType::kFloat32, false, {}});
  Graph g;
  Node if_node = make_node("if", {"cond"}, {"r"});
  Attribute a;
  a.kind = Attribute::Kind::kGraph;
  a.g = inner;
  if_node.attrs["then_branch"] = a;
  g.nodes = {if_node};
  EXPECT_EQ(free_values(*inner), (std::vector<std::string>{"outer_v"}));
  EXPECT_EQ(free_values(g), (std::vector<std::string>{"cond", "outer_v"}));
}

}  // namespace
}  // namespace octet
