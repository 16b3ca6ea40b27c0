#include "debug/isolate.h"

#include <gtest/gtest.h>

#include "debug/debug_test_util.h"
#include "octet/runtime.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

TEST(Isolate, LayersReadFedFloatValuesWhileTheirOwnPairsMeasure) {
  const testing::QdqChain chain;
  const auto layers = match_layers(chain.float_model, chain.quantized);
  std::map<std::string, std::string> feeds;
  const Graph g = isolate_layers(chain.quantized, layers, {"y1", "y2", "y3"}, &feeds);
  EXPECT_EQ(feeds, (std::map<std::string, std::string>{{"y1", "y1_float"}, {"y2", "y2_float"}}));
  ASSERT_EQ(g.inputs.size(), 3u);
  // Feed float values that differ from what the quantized model computes: y1 = 0.4 quantizes to 0
  // in the copy of its pair, so y2 = 0.5; y2 = 2.6 quantizes to 3, so y3 = 3.5. The layers' own
  // pairs still quantize the layers' own outputs: y1_dq = q(2 * 0.45) = 1, y2_dq = q(0.5) = 0.
  Executor exec(g);
  std::map<std::string, float> seen;
  exec.add_hook([&](const Node*, const std::string& v, const Tensor& t) {
    if (t.dtype() == DType::kFloat32) seen[v] = t.data<float>()[0];
  });
  exec.run({{"x", Tensor::from_vector<float>({1}, {0.45f})},
            {"y1_float", Tensor::from_vector<float>({1}, {0.4f})},
            {"y2_float", Tensor::from_vector<float>({1}, {2.6f})}});
  EXPECT_FLOAT_EQ(seen.at("y1_dq"), 1.0f);
  EXPECT_FLOAT_EQ(seen.at("y2"), 0.5f);
  EXPECT_FLOAT_EQ(seen.at("y2_dq"), 0.0f);  // q(0.5) rounds half to even
  EXPECT_FLOAT_EQ(seen.at("y3"), 3.5f);
}

}  // namespace
}  // namespace octet
