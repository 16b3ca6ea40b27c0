#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

// x [N, C, d...], weight [C, M/group, k...], bias [M].
std::vector<Tensor> deconv_inputs(const Shape& x, const Shape& w, int64_t group, bool bias) {
  std::vector<Tensor> in = {random_tensor(x, 1), random_tensor(w, 2)};
  if (bias) in.push_back(random_tensor({w[1] * group}, 3));
  return in;
}

TEST(ConvTransposeBackward, Plain2d) {
  check_gradients("ConvTranspose", deconv_inputs({2, 3, 4, 4}, {3, 2, 3, 3}, 1, true), {}, 17, {0, 1, 2});
}

TEST(ConvTransposeBackward, StridesPadsOutputPadding) {
  check_gradients(
      "ConvTranspose", deconv_inputs({1, 2, 3, 4}, {2, 3, 3, 2}, 1, true),
      {{"strides", attr_ints({2, 2})}, {"pads", attr_ints({1, 0, 1, 1})}, {"output_padding", attr_ints({1, 0})}}, 17,
      {0, 1, 2});
}

TEST(ConvTransposeBackward, GroupsAndDilations) {
  check_gradients("ConvTranspose", deconv_inputs({1, 4, 3, 3}, {4, 3, 2, 2}, 2, false),
                  {{"group", attr_int(2)}, {"dilations", attr_ints({2, 1})}}, 17, {0, 1});
}

TEST(ConvTransposeBackward, OneDimensionalWithOutputShape) {
  check_gradients("ConvTranspose", deconv_inputs({2, 2, 5}, {2, 2, 3}, 1, true),
                  {{"strides", attr_ints({2})}, {"output_shape", attr_ints({10})}}, 17, {0, 1, 2});
}

TEST(ConvTransposeBackward, AutoPadSameUpper) {
  check_gradients("ConvTranspose", deconv_inputs({1, 2, 3, 3}, {2, 2, 3, 3}, 1, false),
                  {{"strides", attr_ints({2, 2})}, {"auto_pad", attr_string("SAME_UPPER")}}, 17, {0, 1});
}

}  // namespace
}  // namespace octet::testing
