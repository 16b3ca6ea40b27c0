// fuse_masked_softmax: Softmax(Add(Mul(scores, c), mask)) -> com.octet MaskedSoftmax, bit for bit
// the three ops for every way the mask broadcasts (scores broadcasting too), with and without the
// Mul, the constant on either side; left alone where the chain's values are read elsewhere or the
// Softmax is not over the last axis.
#include "passes/fuse_masked_softmax.h"

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

// y = Softmax(scores * c + mask) (Mul(c, scores) when c_first; no Mul when !scaled).
Graph attention_softmax(const Shape& s_shape, const Shape& m_shape, bool scaled, bool c_first, int64_t axis = -1) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back(f32_value("s", s_shape));
  g.inputs.push_back(f32_value("m", m_shape));
  g.outputs.push_back(f32_value("y", {2, 3, 4, 8}));
  std::string x = "s";
  if (scaled) {
    g.initializers["c"] = Tensor::scalar<float>(0.1767767f);
    add_node(g, "Mul", c_first ? std::vector<std::string>{"c", "s"} : std::vector<std::string>{"s", "c"}, "t");
    x = "t";
  }
  add_node(g, "Add", {x, "m"}, "u");
  add_node(g, "Softmax", {"u"}, "y").attrs["axis"] = int_attr(axis);
  return g;
}

TEST(FuseMaskedSoftmax, SameBitsAsMulAddSoftmax) {
  const std::vector<std::pair<Shape, Shape>> shapes = {{{2, 3, 4, 8}, {2, 3, 4, 8}}, {{2, 3, 4, 8}, {2, 1, 1, 8}},
                                                       {{2, 3, 4, 8}, {2, 1, 4, 8}}, {{2, 3, 4, 8}, {1}},
                                                       {{2, 3, 4, 8}, {2, 3, 4, 1}}, {{1, 3, 4, 8}, {2, 3, 4, 8}}};
  for (const auto& [s_shape, m_shape] : shapes)
    for (bool scaled : {true, false})
      for (bool c_first : {false, true}) {
        if (!scaled && c_first) continue;
        SCOPED_TRACE(shape_str(s_shape) + " + " + shape_str(m_shape) + (scaled ? " scaled" : "") +
                     (c_first ? " c first" : ""));
        Graph g = attention_softmax(s_shape, m_shape, scaled, c_first);
        Graph f = g;
        EXPECT_EQ(fuse_masked_softmax(f), 1);
        EXPECT_EQ(f.nodes.size(), 1u);
        EXPECT_EQ(count_op(f, "MaskedSoftmax"), 1);
        expect_same_outputs(g, f, {{"s", sine_tensor(s_shape, 0.f)}, {"m", sine_tensor(m_shape, 1.f)}});
      }
}

TEST(FuseMaskedSoftmax, LeavesOtherChainsAlone) {
  Graph other_axis = attention_softmax({2, 3, 4, 8}, {2, 3, 4, 8}, true, false, 1);
  EXPECT_EQ(fuse_masked_softmax(other_axis), 0);
  Graph old = attention_softmax({2, 3, 4, 8}, {2, 3, 4, 8}, true, false);
  old.opsets[""] = 11;
  for (Node& n : old.nodes) n.opset = 11;
  EXPECT_EQ(fuse_masked_softmax(old), 0);
  Graph shared_sum = attention_softmax({2, 3, 4, 8}, {2, 3, 4, 8}, true, false);
  shared_sum.outputs.push_back(f32_value("u", {2, 3, 4, 8}));
  EXPECT_EQ(fuse_masked_softmax(shared_sum), 0);
  // The scaled scores read elsewhere: the Mul stays, the Add and Softmax still fuse.
  Graph shared_mul = attention_softmax({2, 3, 4, 8}, {2, 3, 4, 8}, true, false);
  add_node(shared_mul, "Relu", {"t"}, "r");
  shared_mul.outputs.push_back(f32_value("r", {2, 3, 4, 8}));
  EXPECT_EQ(fuse_masked_softmax(shared_mul), 1);
  EXPECT_EQ(count_op(shared_mul, "Mul"), 1);
  const Node& ms = *std::find_if(shared_mul.nodes.begin(), shared_mul.nodes.end(),
                                 [](const Node& n) { return n.op_type == "MaskedSoftmax"; });
  EXPECT_FALSE(ms.has_attr("scale"));
  EXPECT_EQ(ms.inputs[0], "t");
}

}  // namespace
}  // namespace octet
