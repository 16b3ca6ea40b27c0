#include <cmath>
#include <limits>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor x234() {
  Tensor t(DType::kFloat32, {2, 3, 4});
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

TEST(ReduceOps, AxesAttributeBeforeOpsetInputAfter) {
  Tensor x = x234();
  Tensor want = Tensor::from_vector<float>({2, 1, 4}, {12, 15, 18, 21, 48, 51, 54, 57});
  expect_close(run_op("ReduceSum", {x}, {{"axes", attr_ints({1})}}, 1, 11)[0], want, 0);
  expect_close(run_op("ReduceSum", {x, Tensor::from_vector<int64_t>({1}, {-2})}, {}, 1, 13)[0], want, 0);
  expect_close(run_op("ReduceMean", {x}, {{"axes", attr_ints({-1})}, {"keepdims", attr_int(0)}}, 1, 13)[0],
               Tensor::from_vector<float>({2, 3}, {1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}), 1e-6);
  expect_close(
      run_op("ReduceMax", {x, Tensor::from_vector<int64_t>({2}, {0, 2})}, {{"keepdims", attr_int(0)}}, 1, 18)[0],
      Tensor::from_vector<float>({3}, {15, 19, 23}), 0);
  expect_close(run_op("ReduceMin", {x}, {{"keepdims", attr_int(0)}}, 1, 18)[0], Tensor::scalar<float>(0), 0);
  EXPECT_THROW(run_op("ReduceSum", {x, Tensor::from_vector<int64_t>({1}, {3})}, {}, 1, 13), Error);
  EXPECT_THROW(run_op("ReduceSum", {x, Tensor::from_vector<int64_t>({2}, {1, -2})}, {}, 1, 13), Error);
}

TEST(ReduceOps, NoopWithEmptyAxes) {
  Tensor x = Tensor::from_vector<float>({2}, {-2, 3});
  expect_close(run_op("ReduceSum", {x, Tensor(DType::kInt64, {0})}, {{"noop_with_empty_axes", attr_int(1)}}, 1, 13)[0],
               x, 0);
  expect_close(run_op("ReduceSumSquare", {x}, {{"noop_with_empty_axes", attr_int(1)}}, 1, 18)[0],
               Tensor::from_vector<float>({2}, {4, 9}), 0);
  expect_close(run_op("ReduceSum", {x, Tensor(DType::kInt64, {0})}, {}, 1, 13)[0], Tensor::from_vector<float>({1}, {1}),
               0);
}

TEST(ReduceOps, OtherReductions) {
  Tensor x = Tensor::from_vector<float>({2, 2}, {1, -2, 3, 4});
  std::map<std::string, Attribute> a{{"axes", attr_ints({1})}, {"keepdims", attr_int(0)}};
  expect_close(run_op("ReduceProd", {x}, a, 1, 13)[0], Tensor::from_vector<float>({2}, {-2, 12}), 0);
  expect_close(run_op("ReduceL1", {x}, a, 1, 13)[0], Tensor::from_vector<float>({2}, {3, 7}), 0);
  expect_close(run_op("ReduceL2", {x}, a, 1, 13)[0], Tensor::from_vector<float>({2}, {std::sqrt(5.f), 5}), 1e-6);
  expect_close(run_op("ReduceSumSquare", {x}, a, 1, 13)[0], Tensor::from_vector<float>({2}, {5, 25}), 0);
  expect_close(run_op("ReduceLogSum", {Tensor::from_vector<float>({2}, {1, 2})}, {}, 1, 13)[0].reshaped({1}),
               Tensor::from_vector<float>({1}, {std::log(3.f)}), 1e-6);
  expect_close(run_op("ReduceLogSumExp", {x}, a, 1, 13)[0],
               Tensor::from_vector<float>({2}, {float(std::log(std::exp(1.0) + std::exp(-2.0))),
                                                float(std::log(std::exp(3.0) + std::exp(4.0)))}),
               1e-6);
  expect_close(
      run_op("ReduceSum", {Tensor::from_vector<int64_t>({3}, {1, 2, 3})}, {{"keepdims", attr_int(0)}}, 1, 13)[0],
      Tensor::scalar<int64_t>(6), 0);
}

TEST(ReduceOps, EmptySetsGiveIdentities) {
  Tensor x(DType::kFloat32, {2, 0});
  std::map<std::string, Attribute> a{{"keepdims", attr_int(1)}};
  Tensor axes = Tensor::from_vector<int64_t>({1}, {1});
  expect_close(run_op("ReduceSum", {x, axes}, a, 1, 18)[0], Tensor::from_vector<float>({2, 1}, {0, 0}), 0);
  expect_close(run_op("ReduceProd", {x, axes}, a, 1, 18)[0], Tensor::from_vector<float>({2, 1}, {1, 1}), 0);
  Tensor mx = run_op("ReduceMax", {x, axes}, a, 1, 18)[0];
  EXPECT_EQ(mx.data<float>()[0], -std::numeric_limits<float>::infinity());
  Tensor lse = run_op("ReduceLogSumExp", {x, axes}, a, 1, 18)[0];
  EXPECT_EQ(lse.data<float>()[1], -std::numeric_limits<float>::infinity());
}

TEST(ReduceOps, ThreadCountDoesNotChangeResults) {
  Tensor x(DType::kFloat32, {8, 128, 384});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(static_cast<float>(i));
  for (std::vector<int64_t> axes : {std::vector<int64_t>{-1}, {0, 1}, {1}}) {
    Tensor ax = Tensor::from_vector<int64_t>({static_cast<int64_t>(axes.size())}, axes);
    Tensor a = run_op("ReduceMean", {x, ax}, {}, 1, 18, 1)[0];
    Tensor b = run_op("ReduceMean", {x, ax}, {}, 1, 18, 2)[0];
    EXPECT_EQ(max_abs_diff(a, b), 0);
  }
}

}  // namespace
}  // namespace octet::testing
