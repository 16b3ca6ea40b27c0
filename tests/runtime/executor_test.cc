#include "octet/runtime.h"

#include <gtest/gtest.h>

#include <set>

namespace octet {
namespace {

Node make_node(const std::string& name, const std::string& op, std::vector<std::string> in,
               std::vector<std::string> out, int opset = 17) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.opset = opset;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

ValueInfo value(const std::string& name, std::vector<int64_t> dims, DType t = DType::kFloat32) {
  ValueInfo v{name, t, true, {}};
  for (int64_t d : dims) v.shape.push_back(Dim{d, d < 0 ? "batch" : ""});
  return v;
}

// y = relu(x) + w, with a second output z = relu(x) kept alive past its last use.
Graph small_graph() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {-1, 3})};
  g.initializers["w"] = Tensor::from_vector<float>({3}, {1, 2, 3});
  g.nodes = {make_node("relu", "Relu", {"x"}, {"r"}), make_node("add", "Add", {"r", "w"}, {"y"})};
  g.outputs = {value("y", {-1, 3}), value("r", {-1, 3})};
  return g;
}

TEST(Executor, RunsAndReportsEveryValueToHooks) {
  Executor exec(small_graph());
  std::vector<std::string> seen;
  int id = exec.add_hook([&](const Node* producer, const std::string& name, const Tensor& t) {
    seen.push_back((producer ? producer->name : std::string("<input>")) + ":" + name);
  });
  auto out = exec.run({{"x", Tensor::from_vector<float>({2, 3}, {-1, 0, 1, 2, -3, 4})}});
  const float* y = out.at("y").data<float>();
  std::vector<float> want = {1, 2, 4, 3, 2, 7};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want[i]);
  EXPECT_EQ(out.at("r").data<float>()[5], 4);
  EXPECT_EQ(seen, (std::vector<std::string>{"<input>:x", "relu:r", "add:y"}));
  exec.remove_hook(id);
  exec.run({{"x", Tensor(DType::kFloat32, {1, 3})}});
  EXPECT_EQ(seen.size(), 3u);
}

TEST(Executor, UnsupportedOpNamesNodeOpAndOpset) {
  Graph g = small_graph();
  g.nodes[1] = make_node("mystery", "Foo", {"r", "w"}, {"y"}, 13);
  try {
    Executor exec(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "node 'mystery' (op 'Foo', opset 13): unsupported operator");
  }
}

void expect_error(Executor& exec, const std::map<std::string, Tensor>& feeds, const std::string& fragment) {
  try {
    exec.run(feeds);
    ADD_FAILURE() << "no error; expected one containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Executor, BadFeedsAreClearErrors) {
  Executor exec(small_graph());
  expect_error(exec, {}, "missing input 'x'");
  expect_error(exec, {{"x", Tensor(DType::kFloat32, {2, 3})}, {"q", Tensor(DType::kFloat32, {1})}},
               "unknown input 'q'");
  expect_error(exec, {{"x", Tensor(DType::kInt64, {2, 3})}}, "input 'x': expected dtype float32, got int64");
  expect_error(exec, {{"x", Tensor(DType::kFloat32, {2, 4})}}, "input 'x': expected shape [batch,3], got [2,4]");
  expect_error(exec, {{"x", Tensor(DType::kFloat32, {6})}}, "input 'x': expected shape [batch,3] (rank 2)");
}

// A kernel's own error (here: an Expand to 40 TB, refused by size before allocating) names the node.
TEST(Executor, KernelErrorsNameTheirNode) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("x", {1})};
  g.initializers["shape"] = Tensor::from_vector<int64_t>({3}, {100000, 100000, 1000});
  g.nodes = {make_node("grow", "Expand", {"x", "shape"}, {"y"})};
  g.outputs = {value("y", {})};
  Executor exec(g);
  expect_error(exec, {{"x", Tensor(DType::kFloat32, {1})}}, "node 'grow' (op 'Expand', opset 17): tensor of shape");
}

TEST(Executor, IfReadsOuterScopeAndPicksBranch) {
  auto branch = [](const std::string& op) {
    auto g = std::make_shared<Graph>();
    g->nodes = {make_node("b_" + op, op, {"x"}, {"b_out_" + op})};
    g->outputs = {value("b_out_" + op, {2})};
    return g;
  };
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {value("cond", {}, DType::kBool), value("x", {2})};
  Node if_node = make_node("if", "If", {"cond"}, {"y"});
  Attribute then_a, else_a;
  then_a.kind = else_a.kind = Attribute::Kind::kGraph;
  then_a.g = branch("Relu");
  else_a.g = branch("Neg");
  if_node.attrs["then_branch"] = then_a;
  if_node.attrs["else_branch"] = else_a;
  g.nodes = {if_node};
  g.outputs = {value("y", {2})};
  Executor exec(g);
  Tensor x = Tensor::from_vector<float>({2}, {-1, 2});
  auto yes = exec.run({{"cond", Tensor::scalar<bool>(true)}, {"x", x}}).at("y");
  auto no = exec.run({{"cond", Tensor::scalar<bool>(false)}, {"x", x}}).at("y");
  EXPECT_EQ(yes.data<float>()[0], 0);
  EXPECT_EQ(yes.data<float>()[1], 2);
  EXPECT_EQ(no.data<float>()[0], 1);
  EXPECT_EQ(no.data<float>()[1], -2);
}

TEST(Executor, SameResultForAnyThreadCount) {
  Graph g = small_graph();
  Tensor x(DType::kFloat32, {1000, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i % 17) - 8;
  Executor one(g, {.threads = 1}), two(g, {.threads = 2});
  Tensor a = one.run({{"x", x}}).at("y"), b = two.run({{"x", x}}).at("y");
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]);
}

}  // namespace
}  // namespace octet
