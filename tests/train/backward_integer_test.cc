#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

// Integer and bool outputs are piecewise constant in the float inputs: the checked gradient is 0.
TEST(IntegerBackward, NoGradientFlows) {
  const Tensor x = random_tensor({2, 3}, 1);
  check_gradients("Shape", {x}, {}, 15, {0});
  check_gradients("Equal", {x, random_tensor({2, 3}, 3)}, {}, 13, {0, 1});
  check_gradients("Less", {x, random_tensor({3}, 2)}, {}, 13, {0, 1});
}

}  // namespace
}  // namespace octet::testing
