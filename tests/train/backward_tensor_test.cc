#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(TensorBackward, GatherRepeatedAndNegativeIndices) {
  const Tensor idx = Tensor::from_vector<int64_t>({2, 2}, {0, -1, 2, 0});
  check_gradients("Gather", {random_tensor({3, 4}, 1), idx}, {}, 13, {0});
  check_gradients("Gather", {random_tensor({2, 3, 4}, 1), idx}, {{"axis", attr_int(1)}}, 13, {0});
  check_gradients("Gather", {random_tensor({2, 3, 4}, 1), i64({3, -4})}, {{"axis", attr_int(-1)}}, 13, {0});
  check_gradients("Gather", {random_tensor({2, 3, 4}, 1), Tensor::scalar<int64_t>(1)}, {{"axis", attr_int(1)}}, 13,
                  {0});
}

TEST(TensorBackward, GatherIndicesHaveNoGradient) {
  const std::string msg = backward_error("Gather", {random_tensor({3, 4}, 1), i64({0})}, {}, 13, {0, 1});
  EXPECT_NE(msg.find("input 1"), std::string::npos) << msg;
}

TEST(TensorBackward, Slice) {
  const Tensor x = random_tensor({4, 5, 3}, 1);
  check_gradients("Slice", {x, i64({1, 0}), i64({3, -1}), i64({0, 1})}, {}, 13, {0});
  check_gradients("Slice", {x, i64({-1}), i64({-1000}), i64({1}), i64({-2})}, {}, 13, {0});  // reversed, step 2
  check_gradients("Slice", {x, i64({0, 4}), i64({100, 0}), i64({2, 0}), i64({2, -1})}, {}, 13, {0});
  check_gradients("Slice", {x}, {{"starts", attr_ints({1})}, {"ends", attr_ints({2})}, {"axes", attr_ints({1})}}, 9,
                  {0});
}

TEST(TensorBackward, Split) {
  const Tensor x = random_tensor({2, 7}, 1);
  check_gradients("Split", {x, i64({2, 4, 1})}, {{"axis", attr_int(1)}}, 13, {0}, {.n_outputs = 3});
  check_gradients("Split", {x}, {{"axis", attr_int(1)}, {"split", attr_ints({3, 4})}}, 11, {0}, {.n_outputs = 2});
  check_gradients("Split", {x}, {{"axis", attr_int(-1)}, {"num_outputs", attr_int(3)}}, 18, {0}, {.n_outputs = 3});
  check_gradients("Split", {random_tensor({4, 3}, 2)}, {}, 13, {0}, {.n_outputs = 2});
}

TEST(TensorBackward, ExpandAndTile) {
  check_gradients("Expand", {random_tensor({3, 1}, 1), i64({2, 3, 4})}, {}, 13, {0});
  check_gradients("Expand", {random_tensor({1, 1, 4}, 1), i64({2, 1})}, {}, 13, {0});
  check_gradients("Tile", {random_tensor({2, 3}, 1), i64({2, 3})}, {}, 13, {0});
  check_gradients("Tile", {random_tensor({2, 1, 3}, 1), i64({1, 4, 1})}, {}, 13, {0});
}

TEST(TensorBackward, CastFloatToFloatPassesTheGradient) {
  check_gradients("Cast", {random_tensor({2, 3}, 1)}, {{"to", attr_int(1)}}, 13, {0});
}

TEST(TensorBackward, CastOfANonFloatInputHasNoGradient) {
  const std::string msg = backward_error("Cast", {i64({1, 2})}, {{"to", attr_int(1)}}, 13, {0});
  EXPECT_NE(msg.find("Cast_under_test"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int64"), std::string::npos) << msg;
}

TEST(TensorBackward, PadConstant) {
  const Tensor x = random_tensor({2, 3, 4}, 1);
  check_gradients("Pad", {x, i64({0, 1, 2, 1, 0, 1})}, {}, 13, {0});
  check_gradients("Pad", {x, i64({0, -1, 1, 0, 1, -2})}, {}, 13, {0});  // negative pads crop
  check_gradients("Pad", {x, i64({1, 2}), Tensor(), i64({-1})}, {}, 18, {0});
  check_gradients("Pad", {x}, {{"pads", attr_ints({0, 0, 1, 0, 0, 1})}, {"value", attr_float(2)}}, 2, {0});
}

TEST(TensorBackward, PadOtherModesAreRejected) {
  const std::string msg =
      backward_error("Pad", {random_tensor({2, 3}, 1), i64({0, 1, 0, 1})}, {{"mode", attr_string("reflect")}}, 13, {0});
  EXPECT_NE(msg.find("reflect"), std::string::npos) << msg;
}

}  // namespace
}  // namespace octet::testing
