#include "octet/accuracy.h"

#include <gtest/gtest.h>

#include "debug/debug_test_util.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

TEST(Sensitivity, EachLayerAloneQuantizedAndAloneInFloat) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> data = {{"x", testing::sine_tensor({64, 8}, 0.3f)}};
  StaticQuantOptions options;
  options.per_channel = false;
  auto quantizer = static_layer_quantizer(f, data, options);
  const ModelMetric metric(f, EvalData{.data = data});
  int64_t last_done = 0, last_total = 0;
  const Sensitivity s = layer_sensitivity(f, *quantizer, metric, [&](int64_t done, int64_t total) {
    EXPECT_EQ(done, last_done + 1);
    last_done = done;
    last_total = total;
  });
  EXPECT_EQ(s.float_score, 1.0);
  EXPECT_DOUBLE_EQ(s.quantized_score, metric.score(quantizer->quantize({})));
  ASSERT_EQ(s.layers.size(), 2u);  // the two Gemm units (the ReLU is fused into the first)
  EXPECT_EQ(last_total, 5);
  EXPECT_EQ(last_done, 5);
  // Either Gemm alone quantizes the outlier activation r (the first as its unit's output, the
  // second as its input); the first also crushes the small channels of w1: the most harmful.
  EXPECT_EQ(s.layers[0].name, "h_node");
  EXPECT_EQ(s.layers[0].op, "Gemm");
  EXPECT_LT(s.layers[0].only_quantized, 0.5);
  EXPECT_LT(s.layers[1].only_quantized, 0.5);
  EXPECT_LE(s.layers[0].only_quantized, s.layers[1].only_quantized);
  EXPECT_DOUBLE_EQ(s.layers[0].only_quantized, metric.score(quantizer->quantize({"y_node"})));
  EXPECT_DOUBLE_EQ(s.layers[0].only_float, metric.score(quantizer->quantize({"h_node"})));
}

}  // namespace
}  // namespace octet
