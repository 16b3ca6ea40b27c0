#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

Tensor mask(const Shape& shape, std::vector<uint8_t> v) {
  Tensor t(DType::kBool, shape);
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i] != 0;
  return t;
}

TEST(BroadcastBackward, Where) {
  const Tensor cond = mask({2, 3}, {1, 0, 0, 1, 1, 0});
  check_gradients("Where", {cond, random_tensor({2, 3}, 1), random_tensor({2, 3}, 2)}, {}, 16, {1, 2});
  check_gradients("Where", {mask({3}, {0, 1, 1}), random_tensor({2, 1}, 1), random_tensor({1}, 2)}, {}, 16, {1, 2});
}

TEST(BroadcastBackward, WhereConditionHasNoGradient) {
  const std::string msg =
      backward_error("Where", {mask({2}, {1, 0}), random_tensor({2}, 1), random_tensor({2}, 2)}, {}, 16, {0, 1});
  EXPECT_NE(msg.find("input 0"), std::string::npos) << msg;
}

TEST(BroadcastBackward, Pow) {
  const Tensor base = random_tensor({2, 3}, 1, 0.5f, 2.0f);
  check_gradients("Pow", {base, random_tensor({3}, 2, -2.0f, 2.0f)}, {}, 15, {0, 1});
  check_gradients("Pow", {random_tensor({2, 3}, 3), Tensor::scalar<float>(2.0f)}, {}, 15, {0});
  check_gradients("Pow", {random_tensor({2, 3}, 3), Tensor::scalar<int64_t>(3)}, {}, 15, {0});
}

TEST(BroadcastBackward, MaxAndMin) {
  for (const char* op : {"Max", "Min"}) {
    check_gradients(op, {random_tensor({2, 3}, 1), random_tensor({3}, 2)}, {}, 13, {0, 1});
    check_gradients(op, {random_tensor({2, 1}, 1), random_tensor({1, 3}, 2), random_tensor({2, 3}, 3)}, {}, 13,
                    {0, 1, 2});
    check_gradients(op, {random_tensor({4}, 4)}, {}, 13, {0});
  }
}

}  // namespace
}  // namespace octet::testing
