// fuse_written_out_norms: a written-out LayerNorm, InstanceNorm or softmax in the op's own form
// becomes that op and computes the same on the fp32 executor; forms the op does not compute (sums
// without keepdims, axes that are not trailing, LayerNormalization below opset 17 in an exported
// model, a non-last softmax axis before opset 13) and the kinds octet has no op for stay written out.
#include "passes/fuse_written_out_norms.h"

#include <gtest/gtest.h>

#include "norm_graph_util.h"
#include "pass_test_util.h"

namespace octet {
namespace {

using testing::LayerNormForm;
using testing::NormGraph;

std::map<std::string, Tensor> feeds(const Graph& g) {
  std::vector<int64_t> shape;
  for (const Dim& d : g.inputs[0].shape) shape.push_back(d.value);
  return {{g.inputs[0].name, testing::sine_tensor(shape, 0.2f)}};
}

// Fuses `g` (for export or not), expects one `op_type` node and no other node left but the
// MatMuls and Shapes around the unit, and the same outputs as the written-out chain.
void expect_fused(const Graph& g, const std::string& op_type, bool for_export = true) {
  Graph fused = g;
  ASSERT_EQ(fuse_written_out_norms(fused, for_export).size(), 1u);
  EXPECT_EQ(testing::count_op(fused, op_type), 1);
  EXPECT_EQ(fused.nodes.size(), 1 + size_t(testing::count_op(g, "MatMul")));
  testing::expect_same_outputs(g, fused, feeds(g), 2e-6);
}

void expect_unfused(const Graph& g, bool for_export = true) {
  Graph copy = g;
  EXPECT_TRUE(fuse_written_out_norms(copy, for_export).empty());
  EXPECT_EQ(copy.nodes.size(), g.nodes.size());
}

TEST(FuseWrittenOutNorms, LayerNormBecomesLayerNormalization) {
  for (bool pow : {false, true})
    for (bool reciprocal : {false, true})
      for (bool moments : {false, true}) {
        SCOPED_TRACE(cat("pow=", pow, " reciprocal=", reciprocal, " moments=", moments));
        expect_fused(testing::layer_norm_graph({.pow = pow, .reciprocal = reciprocal, .moments = moments}),
                     "LayerNormalization");
      }
  expect_fused(testing::layer_norm_graph({}, {.between_matmuls = true}), "LayerNormalization");
}

TEST(FuseWrittenOutNorms, LayerNormalizationOnlyFromOpset17InAnExportedModel) {
  const Graph g = testing::layer_norm_graph({}, {.opset = 15});
  expect_unfused(g, /*for_export=*/true);
  expect_fused(g, "LayerNormalization", /*for_export=*/false);  // octet's own run
}

TEST(FuseWrittenOutNorms, FormsTheOpDoesNotComputeStayWrittenOut) {
  expect_unfused(testing::layer_norm_graph({.jax = true}));
  expect_unfused(testing::layer_norm_graph({.axis = 1}));  // LayerNormalization normalizes [axis, rank)
  expect_unfused(testing::softmax_graph(true, true));
  expect_unfused(testing::softmax_graph(true, false, 1, {.opset = 11}));  // Softmax-11 flattens from axis 1
  for (bool div : {false, true}) expect_unfused(testing::rms_norm_graph(div));
  expect_unfused(testing::group_norm_graph());
  for (bool sqrt : {false, true}) expect_unfused(testing::l2_norm_graph(sqrt));
}

TEST(FuseWrittenOutNorms, InstanceNormBecomesInstanceNormalization) {
  expect_fused(testing::instance_norm_graph(), "InstanceNormalization");
}

TEST(FuseWrittenOutNorms, SoftmaxBecomesSoftmax) {
  for (bool max : {false, true}) expect_fused(testing::softmax_graph(max, false), "Softmax");
  expect_fused(testing::softmax_graph(true, false, 1), "Softmax");
  expect_fused(testing::softmax_graph(true, false, -1, {.opset = 11}), "Softmax");  // the last axis
}

}  // namespace
}  // namespace octet
