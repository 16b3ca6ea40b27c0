#include "octet/accuracy.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "debug/debug_test_util.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

// The planted fault, quantized per tensor: the output collapses, and keeping the layers that write
// and read the outlier channel in float recovers it, step by step.
TEST(AccuracyFallback, RecoversThePlantedOutlierByKeepingItsLayersInFloat) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> calib = {{"x", testing::sine_tensor({64, 8}, 0.3f)}};
  const std::map<std::string, Tensor> eval = {{"x", testing::sine_tensor({48, 8}, 1.1f)}};
  StaticQuantOptions options;
  options.per_channel = false;
  auto quantizer = static_layer_quantizer(f, calib, options);
  const ModelMetric metric(f, EvalData{.data = eval});
  std::vector<FallbackStep> seen;
  double start = 0;
  const FallbackResult r = quantize_with_max_drop(
      f, *quantizer, metric, 0.001, eval, {}, [&](double s) { start = s; },
      [&](const FallbackStep& s) { seen.push_back(s); });
  EXPECT_LT(r.quantized_score, 0.9);  // collapsed
  EXPECT_EQ(start, r.quantized_score);
  EXPECT_TRUE(r.within);
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(seen.size(), r.steps.size());
  // The layer reading the collapsed activation is the worst by isolated SQNR and goes first.
  EXPECT_EQ(r.steps[0].layer, "y_node");
  EXPECT_EQ(r.steps[0].op, "Gemm");
  EXPECT_GE(metric.drop(r.steps.back().score), 0.0);
  EXPECT_LE(metric.drop(r.steps.back().score), 0.001);
  EXPECT_DOUBLE_EQ(metric.score(r.model), r.steps.back().score);
  // Deterministic: the same steps again.
  auto again = static_layer_quantizer(f, calib, options);
  const FallbackResult r2 = quantize_with_max_drop(f, *again, metric, 0.001, eval, {});
  ASSERT_EQ(r2.steps.size(), r.steps.size());
  for (size_t i = 0; i < r.steps.size(); ++i) EXPECT_EQ(r2.steps[i].layer, r.steps[i].layer);
}

TEST(AccuracyFallback, NoStepWhenTheQuantizedModelIsWithinTheBound) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> data = {{"x", testing::sine_tensor({64, 8}, 0.3f)}};
  auto quantizer = static_layer_quantizer(f, data, {});  // per-channel weights
  const ModelMetric metric(f, EvalData{.data = data});
  const FallbackResult r = quantize_with_max_drop(f, *quantizer, metric, 1.0, data, {});
  EXPECT_TRUE(r.steps.empty());
  EXPECT_TRUE(r.within);
}

// Dynamic quantization quantizes r per tensor at run time: the same collapse. The layer reading r
// goes weight-only first (r stays float); its weight's column 3, scaled down 1000x, still rounds
// to zero in every output channel's scale, so it is picked again and goes float.
TEST(AccuracyFallback, DynamicLayersGoWeightOnlyBeforeFloat) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> eval = {{"x", testing::sine_tensor({48, 8}, 1.1f)}};
  auto quantizer = dynamic_layer_quantizer(f, {});
  EXPECT_TRUE(quantizer->can_be_weight_only("y_node"));
  EXPECT_FALSE(quantizer->can_be_weight_only("r_node"));
  const ModelMetric metric(f, EvalData{.data = eval});
  const FallbackResult r = quantize_with_max_drop(f, *quantizer, metric, 0.001, eval, {});
  EXPECT_LT(r.quantized_score, 0.9);
  EXPECT_TRUE(r.within);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].layer, "y_node");
  EXPECT_TRUE(r.steps[0].weight_only);
  EXPECT_GT(r.steps[0].score, r.quantized_score);
  EXPECT_EQ(r.steps[1].layer, "y_node");
  EXPECT_FALSE(r.steps[1].weight_only);
  EXPECT_EQ(r.model.initializers.count("w2"), 1u);  // float again
}

TEST(AccuracyFallback, WeightOnlyKeepsTheInt8Weight) {
  const Graph f = testing::planted_outlier_mlp();
  auto quantizer = dynamic_layer_quantizer(f, {});
  QuantizeReport report;
  const Graph q = quantizer->quantize({}, &report, {"y_node"});
  EXPECT_EQ(q.initializers.count("w2"), 0u);  // int8 codes behind a DequantizeLinear instead
  EXPECT_EQ(report.quantized_nodes, (std::vector<std::string>{"h_node"}));
  EXPECT_NE(std::find(report.float_nodes.begin(), report.float_nodes.end(),
                      "y_node: weight-only (int8 weights, float activations)"),
            report.float_nodes.end());
}

}  // namespace
}  // namespace octet
