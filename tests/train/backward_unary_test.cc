#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

TEST(UnaryBackward, Gelu) {
  const Tensor x = random_tensor({3, 4}, 1, -3.0f, 3.0f);
  check_gradients("Gelu", {x}, {}, 20, {0});
  check_gradients("Gelu", {x}, {{"approximate", attr_string("tanh")}}, 20, {0});
}

TEST(UnaryBackward, Transcendentals) {
  const Tensor x = random_tensor({3, 4}, 1, -2.0f, 2.0f);
  const Tensor positive = random_tensor({3, 4}, 2, 0.5f, 3.0f);
  check_gradients("Erf", {x}, {}, 13, {0});
  check_gradients("Exp", {x}, {}, 13, {0});
  check_gradients("Log", {positive}, {}, 13, {0});
  check_gradients("Sqrt", {positive}, {}, 13, {0});
  check_gradients("Reciprocal", {positive}, {}, 13, {0});
}

TEST(UnaryBackward, SignOps) {
  const Tensor x = random_tensor({3, 4}, 1, -2.0f, 2.0f);
  check_gradients("Neg", {x}, {}, 13, {0});
  check_gradients("Abs", {x}, {}, 13, {0});
}

}  // namespace
}  // namespace octet::testing
