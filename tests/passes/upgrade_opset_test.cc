#include "passes/upgrade_opset.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "octet/quantize.h"
#include "octet/runtime.h"
#include "passes/graph_util.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_value;

// x [N, 2, 6, 6] -> Conv (4 channels, one 50x the others) -> Relu -> GlobalAveragePool -> Squeeze
// -> Gemm -> y [N, 3], at `opset`: Squeeze takes its axes as an attribute before 13, as an input
// from 13 (what the version converter rewrites).
Graph conv_net(int opset) {
  Graph g;
  g.opsets[""] = opset;
  g.inputs = {f32_value("x", {-1, 2, 6, 6})};
  g.outputs = {f32_value("y", {-1, 3})};
  Tensor w = testing::sine_tensor({4, 2, 3, 3}, 0.2f);
  for (int64_t i = 0; i < 18; ++i) w.data<float>()[18 + i] *= 50.0f;  // output channel 1
  g.initializers["w"] = w;
  g.initializers["b"] = testing::sine_tensor({4}, 0.9f);
  g.initializers["fc"] = testing::sine_tensor({3, 4}, 0.4f);
  add_node(g, "Conv", {"x", "w", "b"}, "c").attrs["pads"] =
      Attribute{.kind = Attribute::Kind::kInts, .ints = {1, 1, 1, 1}};
  add_node(g, "Relu", {"c"}, "r");
  add_node(g, "GlobalAveragePool", {"r"}, "p");
  if (opset < 13) {
    add_node(g, "Squeeze", {"p"}, "s").attrs["axes"] = Attribute{.kind = Attribute::Kind::kInts, .ints = {2, 3}};
  } else {
    g.initializers["axes"] = testing::i64_vector({2, 3});
    add_node(g, "Squeeze", {"p", "axes"}, "s");
  }
  add_node(g, "Gemm", {"s", "fc"}, "y").attrs["transB"] = Attribute{.kind = Attribute::Kind::kInt, .i = 1};
  for (Node& n : g.nodes) n.opset = opset;
  return g;
}

const Tensor& conv_weight_scale(const Graph& q) {
  for (const Node& n : q.nodes)
    if (n.op_type == "Conv")
      for (const Node& dq : q.nodes)
        if (dq.op_type == "DequantizeLinear" && dq.outputs[0] == n.inputs[1]) return *q.find_initializer(dq.inputs[1]);
  throw std::runtime_error("no DequantizeLinear for the conv weight");
}

TEST(UpgradeOpset, RaisesToThirteenWithTheSameFloatFunction) {
  const Graph g11 = conv_net(11);
  const OpsetUpgrade up = upgrade_for_per_axis(g11);
  ASSERT_TRUE(up.upgraded) << up.note;
  EXPECT_EQ(up.graph.opsets.at(""), 13);
  EXPECT_NE(up.note.find("opset 11 raised to 13"), std::string::npos) << up.note;
  const auto squeeze =
      std::find_if(up.graph.nodes.begin(), up.graph.nodes.end(), [](const Node& n) { return n.op_type == "Squeeze"; });
  ASSERT_NE(squeeze, up.graph.nodes.end());
  EXPECT_EQ(squeeze->num_inputs(), 2u);  // axes moved to an input
  const std::map<std::string, Tensor> feeds = {{"x", testing::sine_tensor({2, 2, 6, 6}, 0.5f)}};
  testing::expect_same_outputs(g11, up.graph, feeds, 1e-6);
  // Already 13: nothing to do, nothing to say.
  const OpsetUpgrade same = upgrade_for_per_axis(conv_net(13));
  EXPECT_FALSE(same.upgraded);
  EXPECT_EQ(same.note, "");
}

TEST(UpgradeOpset, StaticQuantizationOfAnOpset11NetIsPerChannelAndMatchesItsOpset13Twin) {
  const std::map<std::string, Tensor> calib = {{"x", testing::sine_tensor({16, 2, 6, 6}, 0.5f)}};
  QuantizeReport report;
  StaticQuantOptions options;
  options.observer = "histogram";  // one range rule: the notes are the opset's alone
  const Graph q11 = quantize_static(conv_net(11), calib, options, &report);
  const Graph q13 = quantize_static(conv_net(13), calib, options);
  EXPECT_EQ(q11.opsets.at(""), 13);
  EXPECT_EQ(conv_weight_scale(q11).numel(), 4);  // per channel
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("opset 11 raised to 13 for per-channel weights"), std::string::npos);
  testing::expect_same_outputs(lower(q13), lower(q11), calib);
  // keep_opset: the old behaviour, said.
  StaticQuantOptions keep = options;
  keep.keep_opset = true;
  const Graph kept = quantize_static(conv_net(11), calib, keep, &report);
  EXPECT_EQ(kept.opsets.at(""), 11);
  EXPECT_EQ(conv_weight_scale(kept).numel(), 1);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("opset 11 kept"), std::string::npos) << report.notes[0];
}

// x (rank unknown to shape inference, [N, T, 8] in the data) -> MatMul -> Softmax over `axis` -> y,
// at opset 12, where Softmax flattens its input from `axis` on.
Graph scores_of_unknown_rank(int64_t axis) {
  Graph g;
  g.opsets[""] = 12;
  ValueInfo x;
  x.name = "x";
  g.inputs = {x};
  g.outputs = {f32_value("y", {})};
  g.outputs[0].has_shape = false;
  g.initializers["w"] = testing::sine_tensor({8, 8}, 0.3f);
  add_node(g, "MatMul", {"x", "w"}, "s");
  add_node(g, "Softmax", {"s"}, "y").attrs["axis"] = int_attr(axis);
  for (Node& n : g.nodes) n.opset = 12;
  return g;
}

TEST(UpgradeOpset, SoftmaxOverTheLastAxisOfAValueOfUnknownRank) {
  // ONNX's adapter needs the shape to rewrite a Softmax that does not normalize the last axis; a
  // run shows that axis 2 is the last, so it is written -1 and the adapter needs no shape.
  const std::map<std::string, Tensor> probe = {{"x", testing::sine_tensor({2, 3, 8}, 0.5f)}};
  const OpsetUpgrade up = upgrade_for_per_axis(scores_of_unknown_rank(2), probe);
  ASSERT_TRUE(up.upgraded) << up.note;
  const Node& softmax = up.graph.nodes.back();
  ASSERT_EQ(softmax.op_type, "Softmax");
  EXPECT_EQ(softmax.attr_int("axis", 0), -1);
  testing::expect_same_outputs(scores_of_unknown_rank(2), up.graph, probe, 1e-6);
  // Axis 1 flattens two axes: that needs the shape the adapter cannot know, and the model keeps its opset.
  const OpsetUpgrade kept = upgrade_for_per_axis(scores_of_unknown_rank(1), probe);
  EXPECT_FALSE(kept.upgraded);
  EXPECT_NE(kept.note.find("opset 12 kept: ONNX's version converter failed"), std::string::npos) << kept.note;
}

TEST(UpgradeOpset, DynamicQuantizationToo) {
  Graph mlp;
  mlp.opsets[""] = 11;
  mlp.inputs = {f32_value("x", {-1, 8})};
  mlp.outputs = {f32_value("y", {-1, 4})};
  mlp.initializers["w"] = testing::sine_tensor({4, 8}, 0.3f);
  add_node(mlp, "Gemm", {"x", "w"}, "y").attrs["transB"] = Attribute{.kind = Attribute::Kind::kInt, .i = 1};
  mlp.nodes[0].opset = 11;
  QuantizeReport report;
  const Graph q = quantize_dynamic(mlp, {}, &report);
  EXPECT_EQ(q.opsets.at(""), 13);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("raised to 13"), std::string::npos);
  DynamicQuantOptions keep;
  keep.keep_opset = true;
  quantize_dynamic(mlp, keep, &report);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("opset 11 kept"), std::string::npos);
}

}  // namespace
}  // namespace octet
