#include <algorithm>

#include "ops/op_test_util.h"
#include "train/backward.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

// Distinct values (a shuffled ramp, 0.05 apart): no window holds two maxima within the step h.
Tensor distinct(const Shape& shape, uint32_t seed) {
  Tensor t = random_tensor(shape, seed);
  const int64_t n = t.numel();
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return t.data<float>()[a] < t.data<float>()[b]; });
  for (int64_t r = 0; r < n; ++r) t.data<float>()[order[r]] = 0.05f * static_cast<float>(r) - 1.0f;
  return t;
}

TEST(PoolBackward, MaxPool) {
  check_gradients("MaxPool", {distinct({1, 2, 5, 5}, 1)}, {{"kernel_shape", attr_ints({2, 2})}}, 12, {0});
  check_gradients("MaxPool", {distinct({2, 1, 6, 5}, 2)},
                  {{"kernel_shape", attr_ints({3, 3})},
                   {"strides", attr_ints({2, 2})},
                   {"pads", attr_ints({1, 0, 1, 1})},
                   {"ceil_mode", attr_int(1)}},
                  12, {0});
  check_gradients("MaxPool", {distinct({1, 1, 7, 7}, 3)},
                  {{"kernel_shape", attr_ints({2, 2})}, {"dilations", attr_ints({2, 2})}}, 12, {0});
  check_gradients("MaxPool", {distinct({1, 2, 7}, 4)}, {{"kernel_shape", attr_ints({3})}, {"strides", attr_ints({2})}},
                  12, {0});
}

TEST(PoolBackward, MaxPoolWithIndicesOutput) {
  GradCheckOptions two_outputs;
  two_outputs.n_outputs = 2;  // the Indices output carries no gradient
  check_gradients("MaxPool", {distinct({1, 2, 4, 4}, 5)}, {{"kernel_shape", attr_ints({2, 2})}}, 12, {0}, two_outputs);
}

TEST(PoolBackward, MaxPoolTiesGoToTheFirstMaximum) {
  Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 3, 3, 2});
  std::vector<Tensor> y = run_op("MaxPool", {x}, {{"kernel_shape", attr_ints({2, 2})}});
  Node node;
  node.name = "pool";
  node.op_type = "MaxPool";
  node.attrs = {{"kernel_shape", attr_ints({2, 2})}};
  ThreadPool pool(1);
  Tensor g = Tensor::from_vector<float>({1, 1, 1, 1}, {1});
  train::BackwardContext ctx{node, {&x}, {&y[0]}, {&g}, {true}, {Tensor()}, pool};
  train::find_backward("MaxPool")(ctx);
  expect_close(ctx.grad_inputs[0], Tensor::from_vector<float>({1, 1, 2, 2}, {0, 1, 0, 0}), 0);
}

TEST(PoolBackward, AveragePool) {
  for (int include_pad = 0; include_pad < 2; ++include_pad) {
    SCOPED_TRACE(include_pad);
    check_gradients("AveragePool", {random_tensor({1, 2, 5, 6}, 1)},
                    {{"kernel_shape", attr_ints({3, 2})},
                     {"strides", attr_ints({2, 2})},
                     {"pads", attr_ints({1, 0, 1, 1})},
                     {"count_include_pad", attr_int(include_pad)},
                     {"ceil_mode", attr_int(1)}},
                    19, {0});
  }
  check_gradients("AveragePool", {random_tensor({2, 1, 4, 4, 3}, 2)}, {{"kernel_shape", attr_ints({2, 2, 2})}}, 19,
                  {0});
}

TEST(PoolBackward, GlobalPools) {
  check_gradients("GlobalAveragePool", {random_tensor({2, 3, 4, 5}, 1)}, {}, 17, {0});
  check_gradients("GlobalMaxPool", {distinct({2, 3, 4, 5}, 2)}, {}, 17, {0});
  check_gradients("GlobalMaxPool", {distinct({2, 3, 4}, 3)}, {}, 17, {0});
}

}  // namespace
}  // namespace octet::testing
