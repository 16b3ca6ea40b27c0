#include <cstring>

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
std::vector<Tensor> conv_backward(const std::vector<Tensor>& in, const Tensor* g, std::vector<bool> want,
                                  const std::map<std::string, Attribute>& attrs = {}, int threads = 1) {
  std::vector<Tensor> y = run_op("Conv", in, attrs);
  Node node;
  node.name = "conv7";
  node.op_type = "Conv";
  node.attrs = attrs;
  ThreadPool pool(threads);
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

void expect_same_bits(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape()) << "gradient " << i;
    EXPECT_EQ(std::memcmp(a[i].raw(), b[i].raw(), a[i].nbytes()), 0) << "gradient " << i;
  }
}

// The backward's primitives are made once per geometry and reused: a depthwise node seeing two
// input shapes, back and forth, gets the first call's bits again, and both shapes' gradients match
// finite differences (check_gradients makes its own primitives of the same geometry first).
TEST(ConvBackward, ReusedPrimitivesPerShapeGiveTheSameBits) {
  const std::map<std::string, Attribute> dw = {{"group", attr_int(8)}, {"pads", attr_ints({1, 1, 1, 1})}};
  const std::vector<Tensor> a = conv_inputs({2, 8, 6, 6}, {8, 1, 3, 3}, true);
  const std::vector<Tensor> b = conv_inputs({1, 8, 5, 7}, {8, 1, 3, 3}, true);
  const Tensor ga = random_tensor({2, 8, 6, 6}, 4), gb = random_tensor({1, 8, 5, 7}, 5);
  const std::vector<Tensor> first = conv_backward(a, &ga, {true, true, true}, dw);
  const std::vector<Tensor> other = conv_backward(b, &gb, {true, true, true}, dw);
  expect_same_bits(conv_backward(a, &ga, {true, true, true}, dw), first);
  expect_same_bits(conv_backward(b, &gb, {true, true, true}, dw), other);
  check_gradients("Conv", a, dw, 17, {0, 1, 2});
  check_gradients("Conv", b, dw, 17, {0, 1, 2});
}

// Two threads (a primitive of its own: it keeps the thread count it was made with) give the same
// gradients within rounding, and the same bits on every call.
TEST(ConvBackward, TwoThreadsAreDeterministic) {
  const std::vector<Tensor> in = conv_inputs({8, 64, 14, 14}, {64, 64, 1, 1}, true);
  const Tensor g = random_tensor({8, 64, 14, 14}, 6);
  const std::vector<Tensor> one = conv_backward(in, &g, {true, true, true});
  const std::vector<Tensor> two = conv_backward(in, &g, {true, true, true}, {}, 2);
  expect_same_bits(conv_backward(in, &g, {true, true, true}, {}, 2), two);
  for (size_t i = 0; i < one.size(); ++i) expect_close(two[i], one[i], 1e-4);
}

}  // namespace
}  // namespace octet::testing
