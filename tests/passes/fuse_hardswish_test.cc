// fuse_hardswish: each written-out HardSwish becomes one HardSwish with the same outputs (to float
// rounding); near misses and models of opsets without the op stay as they are.
#include "passes/fuse_hardswish.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;

enum class Form { kDivLast, kMulInverseLast, kDivGate, kHardSigmoid };

struct Variant {
  Form form = Form::kDivLast;
  float three = 3, six = 6;
  bool expose_clip = false;  // the Clip also a graph output
  int opset = 17;
};

// x [4, 33] -> HardSwish written out -> y.
Graph written_out(const Variant& v) {
  Graph g;
  g.opsets = {{"", v.opset}};
  g.inputs = {testing::f32_value("x", {4, 33})};
  g.initializers = {{"three", testing::f32_scalar(v.three)},
                    {"zero", testing::f32_scalar(0)},
                    {"six", testing::f32_scalar(v.six)},
                    {"sixth", testing::f32_scalar(1.0f / 6.0f)}};
  if (v.form == Form::kHardSigmoid) {
    Node& hs = add_node(g, "HardSigmoid", {"x"}, "h");
    hs.attrs["alpha"] = float_attr(1.0f / 6.0f);
    add_node(g, "Mul", {"h", "x"}, "y");
  } else {
    add_node(g, "Add", {"three", "x"}, "a");
    add_node(g, "Clip", {"a", "zero", "six"}, "c");
    if (v.form == Form::kDivGate) {
      add_node(g, "Div", {"c", "six"}, "d");
      add_node(g, "Mul", {"x", "d"}, "y");
    } else {
      add_node(g, "Mul", {"c", "x"}, "m");
      if (v.form == Form::kDivLast) add_node(g, "Div", {"m", "six"}, "y");
      else add_node(g, "Mul", {"sixth", "m"}, "y");
    }
  }
  for (Node& n : g.nodes) n.opset = v.opset;
  g.outputs = {testing::f32_value("y", {4, 33})};
  if (v.expose_clip) g.outputs.push_back(testing::f32_value("c", {4, 33}));
  return g;
}

std::map<std::string, Tensor> feeds() {
  Tensor x = testing::sine_tensor({4, 33}, 0.1f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] *= 1.5f;  // beyond -3 and 3
  return {{"x", x}};
}

TEST(FuseHardSwish, EveryWrittenOutFormBecomesOneHardSwish) {
  for (Form form : {Form::kDivLast, Form::kMulInverseLast, Form::kDivGate, Form::kHardSigmoid}) {
    SCOPED_TRACE(static_cast<int>(form));
    Graph g = written_out({form});
    Graph fused = g;
    ASSERT_EQ(fuse_hardswish(fused, true), 1);
    ASSERT_EQ(fused.nodes.size(), 1u);
    EXPECT_EQ(fused.nodes[0].op_type, "HardSwish");
    EXPECT_EQ(fused.nodes[0].inputs, std::vector<std::string>{"x"});
    EXPECT_EQ(fused.nodes[0].outputs, std::vector<std::string>{"y"});
    testing::expect_same_outputs(g, fused, feeds(), 1e-6);
  }
}

TEST(FuseHardSwish, NearMissesStayWrittenOut) {
  for (const Variant& v : {Variant{.three = 2}, Variant{.six = 5}, Variant{.expose_clip = true}, Variant{.opset = 13},
                           Variant{.form = Form::kDivGate, .six = 7}}) {
    Graph g = written_out(v);
    const size_t nodes = g.nodes.size();
    EXPECT_EQ(fuse_hardswish(g, true), 0);
    EXPECT_EQ(g.nodes.size(), nodes);
  }
}

// A gate without inputs (a hostile file's, left for its op to refuse) is no pattern: its input 0
// is not read.
TEST(FuseHardSwish, GateWithoutInputsIsNoPattern) {
  for (Form form : {Form::kHardSigmoid, Form::kDivGate}) {
    Graph g = written_out({form});
    for (Node& n : g.nodes)
      if (n.op_type == (form == Form::kHardSigmoid ? "HardSigmoid" : "Clip")) n.inputs.clear();
    const size_t nodes = g.nodes.size();
    EXPECT_EQ(fuse_hardswish(g, true), 0);
    EXPECT_EQ(g.nodes.size(), nodes);
  }
}

// For octet's own runtime the op is made in any opset (the node then says opset 14).
TEST(FuseHardSwish, OlderOpsetsFuseForTheRuntime) {
  Graph g = written_out({.opset = 12});
  Graph fused = g;
  ASSERT_EQ(fuse_hardswish(fused, false), 1);
  EXPECT_EQ(fused.nodes[0].opset, 14);
  testing::expect_same_outputs(g, fused, feeds(), 1e-6);
}

}  // namespace
}  // namespace octet
