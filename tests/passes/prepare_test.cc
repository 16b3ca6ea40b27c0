// prepare, on written-out normalizations between two quantized MatMuls: static quantization keeps
// each one that stays written out in float whole (Q/DQ at its input and output, none inside), fuses
// those with an ONNX op, and the report names both. A unary island on a float value stays float whole
// too.
#include "passes/prepare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "norm_graph_util.h"
#include "octet/quantize.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"
#include "passes/written_out_norms.h"

namespace octet {
namespace {

using testing::NormGraph;

const NormGraph kBetween{.between_matmuls = true};

std::map<std::string, Tensor> calib(const Graph& g) {
  std::vector<int64_t> shape;
  for (const Dim& d : g.inputs[0].shape) shape.push_back(d.value);
  return {{g.inputs[0].name, testing::sine_tensor(shape, 0.4f)}};  // one batch: the Reshapes fix it
}

QuantizeReport quantize(const Graph& g, Graph* q) {
  StaticQuantOptions options;
  options.observer = "minmax";
  options.batch = 2;
  QuantizeReport report;
  *q = quantize_static(g, calib(g), options, &report);
  return report;
}

bool has_note(const QuantizeReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(), [&](const std::string& n) { return n.find(text) != n.npos; });
}

TEST(PrepareWrittenOutNorms, UnfusedOnesStayFloatWholeWithQdqOnlyAtTheirEdges) {
  const std::vector<std::pair<Graph, NormKind>> cases = {
      {testing::layer_norm_graph({}, {.opset = 15, .between_matmuls = true}), NormKind::kLayerNorm},
      {testing::layer_norm_graph({.jax = true}, kBetween), NormKind::kLayerNorm},
      {testing::rms_norm_graph(false, kBetween), NormKind::kRmsNorm},
      {testing::group_norm_graph(kBetween), NormKind::kGroupNorm},
      {testing::l2_norm_graph(false, kBetween), NormKind::kL2Norm},
      {testing::l2_norm_graph(true, kBetween), NormKind::kL2Norm},
      {testing::softmax_graph(true, true, -1, kBetween), NormKind::kSoftmax},
  };
  for (const auto& [g, kind] : cases) {
    SCOPED_TRACE(norm_kind_name(kind));
    const std::vector<WrittenOutNorm> units = find_written_out_norms(g);
    ASSERT_EQ(units.size(), 1u);
    std::set<std::string> inside;
    for (size_t i : units[0].nodes) inside.insert(g.nodes[i].outputs[0]);
    inside.erase(units[0].output);
    Graph q;
    const QuantizeReport report = quantize(g, &q);
    int quantized = 0;
    for (const Node& n : q.nodes) {
      if (n.op_type != "QuantizeLinear") continue;
      ++quantized;
      EXPECT_EQ(inside.count(n.inputs[0]), 0u) << n.inputs[0] << " is quantized inside the unit";
    }
    EXPECT_GE(quantized, 2);  // x and y, the MatMuls' activations
    // Still one unit, now from the dequantized x.
    const std::vector<WrittenOutNorm> after = find_written_out_norms(q);
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].nodes.size(), units[0].nodes.size());
    EXPECT_TRUE(has_note(report, cat("1 ", norm_kind_name(kind), " kept in float as one unit each")));
    const std::string reason = cat("inside a written-out ", norm_kind_name(kind), ", kept in float as one unit");
    EXPECT_TRUE(std::any_of(report.float_nodes.begin(), report.float_nodes.end(),
                            [&](const std::string& f) { return f.find(reason) != f.npos; }));
  }
}

TEST(PrepareWrittenOutNorms, FusableOnesBecomeTheirOpAndAreSaid) {
  Graph q;
  QuantizeReport report = quantize(testing::layer_norm_graph({}, kBetween), &q);
  EXPECT_EQ(testing::count_op(q, "LayerNormalization"), 1);
  EXPECT_TRUE(has_note(report, "written-out normalizations: 1 LayerNorm fused into LayerNormalization"));
  report = quantize(testing::softmax_graph(true, false, -1, kBetween), &q);
  EXPECT_EQ(testing::count_op(q, "Softmax"), 1);
  EXPECT_TRUE(has_note(report, "1 softmax fused into Softmax"));
}

// GELU's tanh form (as jax2tf writes it) on a graph input, the float value no quantized op wrote:
// its last Mul, of two activations, has an INT8 form, but quantizing it would put Q/DQ on x inside
// the function, where the Tanh reads the coarse codes of x near zero.
TEST(PrepareUnaryIslands, OnAFloatValueTheIslandStaysFloatWhole) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 16})};
  g.initializers = {{"c3", testing::f32_scalar(0.044715f)},
                    {"k", testing::f32_scalar(0.7978846f)},
                    {"one", testing::f32_scalar(1.0f)},
                    {"half", testing::f32_scalar(0.5f)},
                    {"W", testing::sine_tensor({16, 4}, 0.3f)}};
  using testing::add_node;
  add_node(g, "Mul", {"x", "x"}, "x2");
  add_node(g, "Mul", {"x2", "x"}, "x3");
  add_node(g, "Mul", {"x3", "c3"}, "cx3");
  add_node(g, "Add", {"x", "cx3"}, "u");
  add_node(g, "Mul", {"u", "k"}, "ku");
  add_node(g, "Tanh", {"ku"}, "t");
  add_node(g, "Add", {"t", "one"}, "t1");
  add_node(g, "Mul", {"t1", "half"}, "h");
  add_node(g, "Mul", {"x", "h"}, "y");
  add_node(g, "MatMul", {"y", "W"}, "out");
  g.outputs = {testing::f32_value("out", {2, 4})};
  Graph q;
  const QuantizeReport report = quantize(g, &q);
  const std::set<std::string> inside = {"x", "x2", "x3", "cx3", "u", "ku", "t", "t1", "h"};
  for (const Node& n : q.nodes)
    if (n.op_type == "QuantizeLinear") EXPECT_EQ(inside.count(n.inputs[0]), 0u) << n.inputs[0] << " is quantized";
  EXPECT_EQ(testing::count_op(q, "MatMul"), 1);
  EXPECT_GE(testing::count_op(q, "QuantizeLinear"), 1);  // y, the MatMul's input
  const std::string reason = "y_node: inside an element-wise function of a float value (a unary island)";
  EXPECT_NE(std::find(report.float_nodes.begin(), report.float_nodes.end(), reason), report.float_nodes.end());
}

}  // namespace
}  // namespace octet
