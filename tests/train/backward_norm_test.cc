#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

TEST(NormBackward, LayerNormalizationLastAxis) {
  check_gradients("LayerNormalization", {random_tensor({2, 3, 5}, 1), random_tensor({5}, 2), random_tensor({5}, 3)}, {},
                  17, {0, 1, 2});
}

TEST(NormBackward, LayerNormalizationOverTwoAxesWithEpsilon) {
  check_gradients("LayerNormalization",
                  {random_tensor({2, 3, 4}, 1), random_tensor({3, 4}, 2), random_tensor({3, 4}, 3)},
                  {{"axis", attr_int(1)}, {"epsilon", attr_float(0.1f)}}, 17, {0, 1, 2});
}

TEST(NormBackward, LayerNormalizationWithoutBiasAndScalarScale) {
  check_gradients("LayerNormalization", {random_tensor({4, 6}, 1), random_tensor({1}, 2)}, {}, 17, {0, 1});
}

TEST(NormBackward, BatchNormalizationInference) {
  const Tensor var = random_tensor({3}, 5, 0.5f, 2.0f);
  check_gradients(
      "BatchNormalization",
      {random_tensor({2, 3, 2, 2}, 1), random_tensor({3}, 2), random_tensor({3}, 3), random_tensor({3}, 4), var},
      {{"epsilon", attr_float(1e-3f)}}, 15, {0, 1, 2});
}

TEST(NormBackward, BatchNormalizationStatisticsHaveNoGradient) {
  const std::string msg = backward_error("BatchNormalization",
                                         {random_tensor({1, 2, 2}, 1), random_tensor({2}, 2), random_tensor({2}, 3),
                                          random_tensor({2}, 4), random_tensor({2}, 5, 0.5f, 1.0f)},
                                         {}, 15, {0, 3});
  EXPECT_NE(msg.find("input 3"), std::string::npos) << msg;
}

}  // namespace
}  // namespace octet::testing
