// written_out_norms: each written-out normalization (every form of norm_graph_util.h) is one unit of
// the right kind holding exactly its chain; near misses (reductions over different axes, a value
// inside read from outside, another exponent) are not.
#include "passes/written_out_norms.h"

#include <gtest/gtest.h>

#include "norm_graph_util.h"
#include "pass_test_util.h"

namespace octet {
namespace {

using testing::LayerNormForm;
using testing::NormGraph;

// The one unit found in `g`, which must hold every node but the MatMuls and Shapes around it.
WrittenOutNorm only_unit(const Graph& g, NormKind kind) {
  const std::vector<WrittenOutNorm> found = find_written_out_norms(g);
  EXPECT_EQ(found.size(), 1u);
  if (found.empty()) return {};
  const WrittenOutNorm& w = found[0];
  EXPECT_EQ(norm_kind_name(w.kind), std::string(norm_kind_name(kind)));
  const size_t others = testing::count_op(g, "MatMul") + testing::count_op(g, "Shape");
  EXPECT_EQ(w.nodes.size(), g.nodes.size() - others);
  EXPECT_EQ(w.input, "x");
  EXPECT_EQ(w.output, "y");
  return w;
}

TEST(WrittenOutNorms, EveryLayerNormFormIsOneUnit) {
  for (bool pow : {false, true})
    for (bool reciprocal : {false, true})
      for (bool moments : {false, true}) {
        SCOPED_TRACE(cat("pow=", pow, " reciprocal=", reciprocal, " moments=", moments));
        const WrittenOutNorm w =
            only_unit(testing::layer_norm_graph({.pow = pow, .reciprocal = reciprocal, .moments = moments}),
                      NormKind::kLayerNorm);
        EXPECT_TRUE(w.direct);
        EXPECT_EQ(w.axes, std::vector<int64_t>{2});
        EXPECT_EQ(w.rank, 3);
        EXPECT_FLOAT_EQ(w.epsilon, 1e-5f);
        EXPECT_EQ(w.scale, "gamma");
        EXPECT_EQ(w.bias, "beta");
      }
}

TEST(WrittenOutNorms, Jax2tfLayerNormIsOneUnitButNotTheOpsForm) {
  const WrittenOutNorm w = only_unit(testing::layer_norm_graph({.jax = true}), NormKind::kLayerNorm);
  EXPECT_FALSE(w.direct);       // sums without keepdims, Reshape back
  EXPECT_EQ(w.scale, "gamma");  // folded into 1/sqrt
  EXPECT_EQ(w.bias, "beta");
}

TEST(WrittenOutNorms, BetweenQuantizableNeighboursTheUnitStopsAtThem) {
  const Graph g = testing::layer_norm_graph({}, {.between_matmuls = true});
  EXPECT_EQ(testing::count_op(g, "MatMul"), 2);
  only_unit(g, NormKind::kLayerNorm);  // from x, the first MatMul's output, to y, the second's input
}

TEST(WrittenOutNorms, RmsGroupInstanceL2AndSoftmax) {
  for (bool div : {false, true}) {
    const WrittenOutNorm w = only_unit(testing::rms_norm_graph(div), NormKind::kRmsNorm);
    EXPECT_EQ(w.scale, "gamma");
    EXPECT_FLOAT_EQ(w.epsilon, 1e-6f);
  }
  only_unit(testing::group_norm_graph(), NormKind::kGroupNorm);
  const WrittenOutNorm in = only_unit(testing::instance_norm_graph(), NormKind::kInstanceNorm);
  EXPECT_EQ(in.axes, (std::vector<int64_t>{2, 3}));
  for (bool sqrt : {false, true}) only_unit(testing::l2_norm_graph(sqrt), NormKind::kL2Norm);
  for (bool max : {false, true})
    for (bool jax : {false, true}) {
      const WrittenOutNorm w = only_unit(testing::softmax_graph(max, jax), NormKind::kSoftmax);
      EXPECT_EQ(w.direct, !jax);  // a -inf floor on the max keeps the function; the Reshape does not
    }
}

TEST(WrittenOutNorms, NearMissesAreNoUnit) {
  // The variance over another axis than the mean: not a LayerNorm, nor an RMSNorm of x - mean.
  EXPECT_TRUE(find_written_out_norms(testing::layer_norm_graph({.var_axis = 1})).empty());
  EXPECT_TRUE(find_written_out_norms(testing::layer_norm_graph({.moments = true, .var_axis = 1})).empty());
  // A value inside the chain read from outside it (here: a graph output).
  const NormGraph exposed{.expose = true};
  EXPECT_TRUE(find_written_out_norms(testing::layer_norm_graph({}, exposed)).empty());
  EXPECT_TRUE(find_written_out_norms(testing::rms_norm_graph(true, exposed)).empty());
  EXPECT_TRUE(find_written_out_norms(testing::l2_norm_graph(true, exposed)).empty());
  EXPECT_TRUE(find_written_out_norms(testing::softmax_graph(true, false, -1, exposed)).empty());
  // x^3 in place of x^2.
  Graph cube = testing::layer_norm_graph({.pow = true});
  cube.initializers["two"] = testing::f32_scalar(3.0f);
  EXPECT_TRUE(find_written_out_norms(cube).empty());
}

TEST(WrittenOutNorms, SoftmaxMaxOverAnotherAxisIsLeftOutOfTheUnit) {
  // exp(x - max over axis 1) / sum over axis 2: the softmax of z = x - max, with the max outside.
  Graph g = testing::softmax_graph(true, false, -1);
  for (Node& n : g.nodes)
    if (n.op_type == "ReduceMax") n.attrs["axes"].ints = {1};
  const std::vector<WrittenOutNorm> found = find_written_out_norms(g);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].input, "z");
  EXPECT_EQ(found[0].nodes.size(), 3u);  // Exp, ReduceSum, Div
}

TEST(WrittenOutNorms, DescribeNamesEachKindAndWhatHappened) {
  using K = NormKind;
  EXPECT_EQ(describe_norms({}, {}), "");
  EXPECT_EQ(describe_norms({K::kLayerNorm, K::kLayerNorm, K::kSoftmax}, {K::kRmsNorm}),
            "written-out normalizations: 2 LayerNorm fused into LayerNormalization, 1 softmax fused into "
            "Softmax; 1 RMSNorm kept in float as one unit each (no Q/DQ inside)");
  EXPECT_EQ(describe_norms({}, {K::kLayerNorm, K::kSoftmax}),
            "written-out normalizations: 1 LayerNorm, 1 softmax kept in float as one unit each (no Q/DQ inside)");
}

}  // namespace
}  // namespace octet
