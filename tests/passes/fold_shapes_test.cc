// fold_shapes (through fold_constants): the dims of a Shape that the graph knows become
// constants, the symbolic ones stay computed; a TF-"same" Pad computed from the input size ends
// up with constant pads.
#include "passes/fold_shapes.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "pass_test_util.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;

// x [batch, 3, 10, 7]: s = Shape(x); h = Gather(s, 2); w = Gather(s, -1); b = Gather(s, 0);
// hw = Slice(s, -2, end); outputs h, w, b, hw and Relu(x).
Graph shape_reads() {
  Graph g;
  g.opsets = {{"", 17}};
  ValueInfo x = testing::f32_value("x", {1, 3, 10, 7});
  x.shape[0] = Dim{-1, "batch"};
  g.inputs = {x};
  g.initializers = {{"two", Tensor::scalar<int64_t>(2)},
                    {"last", Tensor::scalar<int64_t>(-1)},
                    {"zero", Tensor::scalar<int64_t>(0)},
                    {"start", testing::i64_vector({-2})},
                    {"end", testing::i64_vector({INT64_MAX})}};
  g.value_info["x"] = x;
  add_node(g, "Shape", {"x"}, "s");
  add_node(g, "Gather", {"s", "two"}, "h");
  add_node(g, "Gather", {"s", "last"}, "w");
  add_node(g, "Gather", {"s", "zero"}, "b");
  add_node(g, "Slice", {"s", "start", "end"}, "hw");
  add_node(g, "Relu", {"x"}, "r");
  for (const char* o : {"h", "w", "b", "hw"}) g.outputs.push_back({o, DType::kInt64, false, {}});
  g.outputs.push_back(testing::f32_value("r", {}));
  return g;
}

TEST(FoldShapes, KnownDimsBecomeConstantsSymbolicOnesStay) {
  Graph g = shape_reads();
  // Graph outputs stay computed: read them through Identity nodes instead.
  for (Node& n : g.nodes)
    if (n.op_type != "Shape" && n.op_type != "Relu") n.outputs[0] += "_";
  for (const char* o : {"h", "w", "b", "hw"}) add_node(g, "Identity", {std::string(o) + "_"}, o);
  EXPECT_EQ(fold_shapes(g), 3);  // h, w and hw; b is the batch
  EXPECT_EQ(g.initializers.at("h_").as_double(0), 10);
  EXPECT_EQ(g.initializers.at("w_").as_double(0), 7);
  EXPECT_EQ(g.initializers.at("hw_").shape(), (Shape{2}));
  EXPECT_EQ(testing::count_op(g, "Shape"), 1);  // still read by the batch's Gather
  Tensor x = testing::sine_tensor({5, 3, 10, 7}, 0);
  auto out = Executor(g).run({{"x", x}});
  EXPECT_EQ(out.at("b").as_double(0), 5);
  EXPECT_EQ(out.at("hw").as_double(1), 7);
}

// x [batch, 2, 9, 9] -> TF "same" padding for a 3x3 stride-2 window computed from x's size, as
// exporters write it -> Pad -> y. After fold_constants the pads are one constant.
TEST(FoldShapes, SamePaddingFromTheInputSizeBecomesConstant) {
  Graph g;
  g.opsets = {{"", 17}};
  ValueInfo x = testing::f32_value("x", {1, 2, 9, 9});
  x.shape[0] = Dim{-1, "batch"};
  g.inputs = {x};
  g.value_info["x"] = x;
  g.initializers = {{"idx", Tensor::scalar<int64_t>(2)},
                    {"stride", testing::f32_scalar(2)},
                    {"one", testing::f32_scalar(1)},
                    {"k", testing::f32_scalar(3)},
                    {"zero", testing::f32_scalar(0)},
                    {"axes", testing::i64_vector({0})},
                    {"zeros4", testing::i64_vector({0, 0, 0, 0})}};
  add_node(g, "Shape", {"x"}, "s");
  add_node(g, "Gather", {"s", "idx"}, "h");
  add_node(g, "Cast", {"h"}, "hf").attrs["to"] = int_attr(1);
  add_node(g, "Div", {"hf", "stride"}, "q");
  add_node(g, "Ceil", {"q"}, "c");
  add_node(g, "Sub", {"c", "one"}, "c1");
  add_node(g, "Mul", {"c1", "stride"}, "m");
  add_node(g, "Add", {"m", "k"}, "mk");
  add_node(g, "Sub", {"mk", "hf"}, "p");
  add_node(g, "Clip", {"p", "zero"}, "pc");  // pad total, 2 for 9 -> 5
  add_node(g, "Cast", {"pc"}, "pi").attrs["to"] = int_attr(7);
  add_node(g, "Unsqueeze", {"pi", "axes"}, "pv");
  add_node(g, "Concat", {"zeros4", "pv", "pv", "zeros4"}, "pads10").attrs["axis"] = int_attr(0);
  g.initializers["take8"] = testing::i64_vector({0, 1, 4, 5, 2, 3, 4, 5});
  add_node(g, "Gather", {"pads10", "take8"}, "pads");
  add_node(g, "Pad", {"x", "pads"}, "y");
  g.outputs = {testing::f32_value("y", {})};
  Graph folded = g;
  fold_constants(folded);
  ASSERT_EQ(folded.nodes.size(), 1u);
  EXPECT_EQ(folded.nodes[0].op_type, "Pad");
  const Tensor& pads = folded.initializers.at(folded.nodes[0].inputs[1]);
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(pads.as_double(i), (std::vector<int64_t>{0, 0, 2, 2, 0, 0, 2, 2}[i]));
  testing::expect_same_outputs(g, folded, {{"x", testing::sine_tensor({3, 2, 9, 9}, 0.5f)}});
}

}  // namespace
}  // namespace octet
