#include "ops/op_test_util.h"
#include "train/backward.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

std::vector<Tensor> conv_inputs(const Shape& x, const Shape& w, bool bias) {
  std::vector<Tensor> in = {random_tensor(x, 1), random_tensor(w, 2)};
  if (bias) in.push_back(random_tensor({w[0]}, 3));
  return in;
}

TEST(ConvBackward, Conv2dWithBias) {
  check_gradients("Conv", conv_inputs({2, 3, 5, 5}, {4, 3, 3, 3}, true), {}, 17, {0, 1, 2});
}

TEST(ConvBackward, Conv2dWithoutBias) {
  check_gradients("Conv", conv_inputs({1, 2, 4, 4}, {3, 2, 2, 2}, false), {}, 17, {0, 1});
}

TEST(ConvBackward, Conv1d) {
  check_gradients("Conv", conv_inputs({2, 2, 7}, {3, 2, 3}, true), {{"pads", attr_ints({1, 0})}}, 17, {0, 1, 2});
}

TEST(ConvBackward, Conv3d) {
  check_gradients("Conv", conv_inputs({1, 2, 3, 4, 3}, {2, 2, 2, 2, 2}, true), {}, 17, {0, 1, 2});
}

TEST(ConvBackward, Groups) {
  check_gradients("Conv", conv_inputs({1, 4, 4, 4}, {6, 2, 3, 3}, true), {{"group", attr_int(2)}}, 17, {0, 1, 2});
}

TEST(ConvBackward, Depthwise) {
  check_gradients("Conv", conv_inputs({2, 3, 5, 5}, {3, 1, 3, 3}, true),
                  {{"group", attr_int(3)}, {"pads", attr_ints({1, 1, 1, 1})}}, 17, {0, 1, 2});
}

TEST(ConvBackward, Stride2AsymmetricPads) {
  check_gradients("Conv", conv_inputs({1, 2, 6, 5}, {2, 2, 3, 3}, true),
                  {{"strides", attr_ints({2, 2})}, {"pads", attr_ints({0, 1, 2, 1})}}, 17, {0, 1, 2});
}

TEST(ConvBackward, Dilation2) {
  check_gradients("Conv", conv_inputs({1, 2, 7, 7}, {2, 2, 3, 3}, false), {{"dilations", attr_ints({2, 2})}}, 17,
                  {0, 1});
}

TEST(ConvBackward, AutoPadSameUpperAndLower) {
  for (const char* pad : {"SAME_UPPER", "SAME_LOWER"}) {
    SCOPED_TRACE(pad);
    check_gradients("Conv", conv_inputs({1, 2, 5, 6}, {3, 2, 2, 3}, true),
                    {{"auto_pad", attr_string(pad)}, {"strides", attr_ints({2, 1})}}, 17, {0, 1, 2});
  }
}

TEST(ConvBackward, AutoPadValid) {
  check_gradients("Conv", conv_inputs({1, 1, 6, 6}, {2, 1, 3, 3}, true),
                  {{"auto_pad", attr_string("VALID")}, {"strides", attr_ints({2, 2})}}, 17, {0, 1, 2});
}

TEST(ConvBackward, OnlyTheWeight) {
  check_gradients("Conv", conv_inputs({1, 2, 4, 4}, {2, 2, 3, 3}, true), {}, 17, {1});
}

// Conv's backward on `in` (node "conv7") with upstream gradient g (nullptr: none), wanting `want`.
std::vector<Tensor> conv_backward(const std::vector<Tensor>& in, const Tensor* g, std::vector<bool> want) {
  std::vector<Tensor> y = run_op("Conv", in);
  Node node;
  node.name = "conv7";
  node.op_type = "Conv";
  ThreadPool pool(1);
  train::BackwardContext ctx{node, {}, {&y[0]}, {g}, std::move(want), {}, pool};
  for (const Tensor& t : in) ctx.inputs.push_back(&t);
  train::find_backward("Conv")(ctx);
  return ctx.grad_inputs;
}

TEST(ConvBackward, MissingGradOutputIsZero) {
  std::vector<Tensor> in = conv_inputs({1, 1, 3, 3}, {1, 1, 2, 2}, true);
  std::vector<Tensor> grads = conv_backward(in, nullptr, {true, true, true});
  ASSERT_EQ(grads.size(), 3u);
  for (size_t i = 0; i < 3; ++i) expect_close(grads[i], Tensor(DType::kFloat32, in[i].shape()), 0);
}

TEST(ConvBackward, GradOutputOfTheWrongShapeIsAnError) {
  Tensor g(DType::kFloat32, {1, 1, 3, 3});
  try {
    conv_backward(conv_inputs({1, 1, 3, 3}, {1, 1, 2, 2}, false), &g, {true, false});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1,1,2,2]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet::testing
