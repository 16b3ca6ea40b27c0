#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

TEST(ElementwiseBackward, SameShape) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    SCOPED_TRACE(op);
    check_gradients(op, {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2, 0.5f, 2.0f)}, {}, 14, {0, 1});
  }
}

TEST(ElementwiseBackward, BroadcastSumsOverBroadcastAxes) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    SCOPED_TRACE(op);
    check_gradients(op, {random_tensor({2, 3, 4, 5}, 1), random_tensor({3, 1, 1}, 2, 0.5f, 2.0f)}, {}, 14, {0, 1});
    check_gradients(op, {random_tensor({3, 1}, 1, 0.5f, 2.0f), random_tensor({1, 4}, 2, 0.5f, 2.0f)}, {}, 14, {0, 1});
    check_gradients(op, {random_tensor({}, 1, 0.5f, 2.0f), random_tensor({2, 3}, 2, 0.5f, 2.0f)}, {}, 14, {0, 1});
  }
}

TEST(ElementwiseBackward, OnlyOneInput) {
  check_gradients("Mul", {random_tensor({4}, 1), random_tensor({2, 4}, 2)}, {}, 14, {1});
}

}  // namespace
}  // namespace octet::testing
