#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

// Values at least 0.1 away from 0 (with h = 1e-2 no difference crosses a kink there).
Tensor away_from_zero(const Shape& shape, uint32_t seed) {
  Tensor t = random_tensor(shape, seed, 0.1f, 2.0f);
  for (int64_t i = 0; i < t.numel(); i += 2) t.data<float>()[i] = -t.data<float>()[i];
  return t;
}

TEST(ActivationBackward, Smooth) {
  for (const char* op : {"Sigmoid", "Tanh", "Identity", "Dropout"}) {
    SCOPED_TRACE(op);
    check_gradients(op, {random_tensor({2, 3, 4}, 1, -3, 3)}, {}, 17, {0});
  }
}

TEST(ActivationBackward, ReluAndLeakyRelu) {
  check_gradients("Relu", {away_from_zero({3, 5}, 1)}, {}, 17, {0});
  check_gradients("LeakyRelu", {away_from_zero({3, 5}, 2)}, {{"alpha", attr_float(0.3f)}}, 17, {0});
  check_gradients("LeakyRelu", {away_from_zero({3, 5}, 2)}, {}, 17, {0});
}

TEST(ActivationBackward, ClipBoundsAsInputs) {
  Tensor x = Tensor::from_vector<float>({8}, {-2.0f, -0.7f, -0.3f, 0.2f, 0.45f, 0.8f, 1.5f, 3.0f});
  check_gradients("Clip", {x, Tensor::scalar(-0.5f), Tensor::scalar(0.6f)}, {}, 13, {0});
  check_gradients("Clip", {x, Tensor(), Tensor::scalar(0.6f)}, {}, 13, {0});
  check_gradients("Clip", {x, Tensor::scalar(-0.5f)}, {}, 13, {0});
}

TEST(ActivationBackward, ClipBoundsAsAttributes) {
  Tensor x = Tensor::from_vector<float>({6}, {-2.0f, -0.7f, -0.3f, 0.2f, 0.8f, 3.0f});
  check_gradients("Clip", {x}, {{"min", attr_float(-0.5f)}, {"max", attr_float(0.6f)}}, 6, {0});
}

TEST(ActivationBackward, ClipBoundHasNoGradient) {
  EXPECT_NE(backward_error("Clip", {random_tensor({3}, 1), Tensor::scalar(-0.5f), Tensor::scalar(0.5f)}, {}, 13, {0, 1})
                .find("Clip_under_test"),
            std::string::npos);
}

TEST(ActivationBackward, DropoutRatioHasNoGradient) {
  std::vector<Tensor> in = {random_tensor({2, 3}, 1), Tensor::scalar(0.5f)};
  check_gradients("Dropout", in, {}, 13, {0});
  const std::string msg = backward_error("Dropout", in, {}, 13, {0, 1});
  EXPECT_NE(msg.find("Dropout_under_test"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 1 ('in1')"), std::string::npos) << msg;
}

TEST(ActivationBackward, HardSigmoidAndHardSwish) {
  // Kinks at alpha x + beta in {0, 1} (x = -1.25, 3.75 here) and at x = +-3 for HardSwish.
  Tensor x = Tensor::from_vector<float>({8}, {-5.0f, -2.0f, -1.0f, 0.3f, 2.0f, 3.5f, 4.0f, 6.0f});
  check_gradients("HardSigmoid", {x}, {{"alpha", attr_float(0.4f)}, {"beta", attr_float(0.5f)}}, 17, {0});
  check_gradients("HardSigmoid", {x}, {}, 17, {0});
  check_gradients("HardSwish", {x}, {}, 17, {0});
}

TEST(ActivationBackward, SoftmaxOpset13Axis) {
  for (int axis : {-1, 0, 1, 2}) {
    SCOPED_TRACE(axis);
    check_gradients("Softmax", {random_tensor({2, 3, 4}, 1, -2, 2)}, {{"axis", attr_int(axis)}}, 13, {0});
  }
}

TEST(ActivationBackward, SoftmaxOpset11CoercesTo2d) {
  check_gradients("Softmax", {random_tensor({2, 3, 4}, 1, -2, 2)}, {}, 11, {0});
  check_gradients("Softmax", {random_tensor({2, 3, 4}, 1, -2, 2)}, {{"axis", attr_int(2)}}, 11, {0});
}

}  // namespace
}  // namespace octet::testing
