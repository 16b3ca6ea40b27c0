#include <cmath>
#include <limits>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

TEST(UnaryOps, FloatFunctionsAndSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = Tensor::from_vector<float>({4}, {4, 0, -1, 2.5f});
  Tensor sq = run_op("Sqrt", {x})[0];
  EXPECT_EQ(sq.data<float>()[0], 2);
  EXPECT_TRUE(std::isnan(sq.data<float>()[2]));
  Tensor lg = run_op("Log", {x})[0];
  EXPECT_EQ(lg.data<float>()[1], -inf);
  EXPECT_EQ(run_op("Reciprocal", {x})[0].data<float>()[1], inf);
  expect_close(run_op("Exp", {x})[0],
               Tensor::from_vector<float>({4}, {std::exp(4.f), 1, std::exp(-1.f), std::exp(2.5f)}), 1e-5);
  expect_close(run_op("Round", {Tensor::from_vector<float>({4}, {0.5f, 1.5f, 2.5f, -2.5f})})[0],
               Tensor::from_vector<float>({4}, {0, 2, 2, -2}), 0);
  expect_close(run_op("Floor", {x})[0], Tensor::from_vector<float>({4}, {4, 0, -1, 2}), 0);
  expect_close(run_op("Ceil", {x})[0], Tensor::from_vector<float>({4}, {4, 0, -1, 3}), 0);
  Tensor isinf =
      run_op("IsInf", {Tensor::from_vector<float>({3}, {inf, -inf, 1})}, {{"detect_negative", attr_int(0)}})[0];
  expect_close(isinf, Tensor::from_vector<bool>({3}, {true, false, false}), 0);
}

TEST(UnaryOps, IntegerNegAbsSign) {
  Tensor x = Tensor::from_vector<int32_t>({3}, {-5, 0, 7});
  expect_close(run_op("Neg", {x})[0], Tensor::from_vector<int32_t>({3}, {5, 0, -7}), 0);
  expect_close(run_op("Abs", {x})[0], Tensor::from_vector<int32_t>({3}, {5, 0, 7}), 0);
  expect_close(run_op("Sign", {x})[0], Tensor::from_vector<int32_t>({3}, {-1, 0, 1}), 0);
  EXPECT_THROW(run_op("Sqrt", {x}), Error);
}

}  // namespace
}  // namespace octet::testing
