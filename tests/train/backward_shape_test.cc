#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(ShapeBackward, RelabellingOps) {
  check_gradients("Flatten", {random_tensor({2, 3, 4}, 1)}, {{"axis", attr_int(2)}}, 13, {0});
  check_gradients("Reshape", {random_tensor({2, 3, 4}, 1), i64({4, -1})}, {}, 14, {0});
  check_gradients("Squeeze", {random_tensor({2, 1, 3}, 1), i64({1})}, {}, 13, {0});
  check_gradients("Unsqueeze", {random_tensor({2, 3}, 1), i64({0, 3})}, {}, 13, {0});
  check_gradients("Squeeze", {random_tensor({2, 1, 3}, 1)}, {{"axes", attr_ints({1})}}, 11, {0});
}

TEST(ShapeBackward, ShapeInputHasNoGradient) {
  const std::string msg = backward_error("Reshape", {random_tensor({2, 3}, 1), i64({3, 2})}, {}, 14, {0, 1});
  EXPECT_NE(msg.find("Reshape_under_test"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 1"), std::string::npos) << msg;
}

TEST(ShapeBackward, Transpose) {
  check_gradients("Transpose", {random_tensor({2, 3, 4}, 1)}, {{"perm", attr_ints({1, 2, 0})}}, 13, {0});
  check_gradients("Transpose", {random_tensor({2, 3, 4}, 1)}, {}, 13, {0});
}

TEST(ShapeBackward, Concat) {
  check_gradients("Concat", {random_tensor({2, 1, 3}, 1), random_tensor({2, 4, 3}, 2), random_tensor({2, 2, 3}, 3)},
                  {{"axis", attr_int(1)}}, 13, {0, 1, 2});
  check_gradients("Concat", {random_tensor({2, 3}, 1), random_tensor({2, 2}, 2)}, {{"axis", attr_int(-1)}}, 13, {1});
}

}  // namespace
}  // namespace octet::testing
