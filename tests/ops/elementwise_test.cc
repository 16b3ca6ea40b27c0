#include <cmath>
#include <limits>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

TEST(ElementwiseOps, AddBroadcastsInnerRowScalarAndBias) {
  Tensor a = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_close(run_op("Add", {a, Tensor::from_vector<float>({3}, {10, 20, 30})})[0],
               Tensor::from_vector<float>({2, 3}, {11, 22, 33, 14, 25, 36}), 0);
  expect_close(run_op("Add", {a, Tensor::scalar<float>(1)})[0], Tensor::from_vector<float>({2, 3}, {2, 3, 4, 5, 6, 7}),
               0);
  expect_close(run_op("Sub", {Tensor::from_vector<float>({2, 1}, {1, 2}), a})[0],
               Tensor::from_vector<float>({2, 3}, {0, -1, -2, -2, -3, -4}), 0);
  // Both sides broadcast: [3,1] * [1,2] -> [3,2].
  expect_close(
      run_op("Mul", {Tensor::from_vector<float>({3, 1}, {1, 2, 3}), Tensor::from_vector<float>({1, 2}, {1, 10})})[0],
      Tensor::from_vector<float>({3, 2}, {1, 10, 2, 20, 3, 30}), 0);
}

TEST(ElementwiseOps, BadBroadcastNamesTheNode) {
  try {
    run_op("Add", {Tensor(DType::kFloat32, {2, 3}), Tensor(DType::kFloat32, {4})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Add_under_test"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_op("Add", {Tensor(DType::kFloat32, {2}), Tensor(DType::kInt32, {2})}), Error);
}

TEST(ElementwiseOps, IntegerDivTruncatesAndRejectsZero) {
  Tensor a = Tensor::from_vector<int32_t>({4}, {7, -7, 7, std::numeric_limits<int32_t>::min()});
  Tensor b = Tensor::from_vector<int32_t>({4}, {2, 2, -2, -1});
  expect_close(run_op("Div", {a, b})[0],
               Tensor::from_vector<int32_t>({4}, {3, -3, -3, std::numeric_limits<int32_t>::min()}), 0);
  EXPECT_THROW(run_op("Div", {a, Tensor::scalar<int32_t>(0)}), Error);
  Tensor wrap = run_op("Add", {Tensor::scalar<int8_t>(127), Tensor::scalar<int8_t>(1)})[0];
  EXPECT_EQ(wrap.data<int8_t>()[0], -128);
}

TEST(ElementwiseOps, ModFollowsFmodAttribute) {
  Tensor a = Tensor::from_vector<int64_t>({4}, {-4, 7, 5, -3});
  Tensor b = Tensor::from_vector<int64_t>({4}, {3, -3, 2, -2});
  expect_close(run_op("Mod", {a, b})[0], Tensor::from_vector<int64_t>({4}, {2, -2, 1, -1}), 0);
  expect_close(run_op("Mod", {a, b}, {{"fmod", attr_int(1)}})[0], Tensor::from_vector<int64_t>({4}, {-1, 1, 1, -1}), 0);
  expect_close(run_op("Mod", {Tensor::from_vector<float>({2}, {-4.5f, 5.5f}), Tensor::from_vector<float>({2}, {2, 2})},
                      {{"fmod", attr_int(1)}})[0],
               Tensor::from_vector<float>({2}, {-0.5f, 1.5f}), 0);
}

TEST(ElementwiseOps, PowMixedTypes) {
  Tensor x = Tensor::from_vector<float>({3}, {1, 2, 3});
  expect_close(run_op("Pow", {x, Tensor::scalar<float>(2)})[0], Tensor::from_vector<float>({3}, {1, 4, 9}), 0);
  expect_close(run_op("Pow", {x, Tensor::from_vector<int64_t>({3}, {3, 0, 2})})[0],
               Tensor::from_vector<float>({3}, {1, 1, 9}), 0);
  expect_close(
      run_op("Pow", {Tensor::from_vector<int32_t>({3}, {2, -3, 4}), Tensor::from_vector<int32_t>({3}, {10, 3, 0})})[0],
      Tensor::from_vector<int32_t>({3}, {1024, -27, 1}), 0);
  expect_close(run_op("Pow", {Tensor::from_vector<int64_t>({2}, {4, 9}), Tensor::scalar<float>(0.5f)})[0],
               Tensor::from_vector<int64_t>({2}, {2, 3}), 0);
}

TEST(ElementwiseOps, VariadicMaxMinSumMeanPropagateNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = Tensor::from_vector<float>({3}, {1, nan, 5});
  Tensor b = Tensor::from_vector<float>({1}, {3});
  Tensor c = Tensor::from_vector<float>({3}, {2, 0, 9});
  Tensor mx = run_op("Max", {a, b, c})[0];
  EXPECT_EQ(mx.data<float>()[0], 3);
  EXPECT_TRUE(std::isnan(mx.data<float>()[1]));
  EXPECT_EQ(mx.data<float>()[2], 9);
  Tensor mn = run_op("Min", {c, b})[0];
  expect_close(mn, Tensor::from_vector<float>({3}, {2, 0, 3}), 0);
  expect_close(run_op("Sum", {c, b, c})[0], Tensor::from_vector<float>({3}, {7, 3, 21}), 0);
  expect_close(run_op("Mean", {c, b})[0], Tensor::from_vector<float>({3}, {2.5f, 1.5f, 6}), 0);
  expect_close(run_op("Max", {c})[0], c, 0);
  expect_close(run_op("Max", {Tensor::from_vector<int32_t>({2}, {-1, 4}), Tensor::scalar<int32_t>(2)})[0],
               Tensor::from_vector<int32_t>({2}, {2, 4}), 0);
}

TEST(ElementwiseOps, ComparisonsLogicalAndWhere) {
  Tensor a = Tensor::from_vector<int64_t>({3}, {1, 2, 3});
  Tensor two = Tensor::scalar<int64_t>(2);
  expect_close(run_op("Equal", {a, two})[0], Tensor::from_vector<bool>({3}, {false, true, false}), 0);
  expect_close(run_op("Less", {a, two})[0], Tensor::from_vector<bool>({3}, {true, false, false}), 0);
  expect_close(run_op("GreaterOrEqual", {a, two})[0], Tensor::from_vector<bool>({3}, {false, true, true}), 0);
  Tensor p = Tensor::from_vector<bool>({2}, {true, false});
  Tensor q = Tensor::from_vector<bool>({2, 1}, {true, false});
  expect_close(run_op("Xor", {p, q})[0], Tensor::from_vector<bool>({2, 2}, {false, true, true, false}), 0);
  expect_close(run_op("Not", {p})[0], Tensor::from_vector<bool>({2}, {false, true}), 0);
  // Where broadcasts condition [2], X [2,1] and Y scalar.
  expect_close(run_op("Where", {p, Tensor::from_vector<float>({2, 1}, {1, 2}), Tensor::scalar<float>(-1)})[0],
               Tensor::from_vector<float>({2, 2}, {1, -1, 2, -1}), 0);
  EXPECT_THROW(run_op("Where", {a, a, a}), Error);
}

TEST(ElementwiseOps, ThreadCountDoesNotChangeResults) {
  Shape s = {3, 7, 4096};
  Tensor a(DType::kFloat32, s), b(DType::kFloat32, {7, 1});
  for (int64_t i = 0; i < a.numel(); ++i) a.data<float>()[i] = static_cast<float>(i % 97) * 0.25f;
  for (int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] = static_cast<float>(i) - 3;
  for (const char* op : {"Add", "Mul", "Div", "Pow"}) {
    Tensor one = run_op(op, {a, b}, {}, 1, 17, 1)[0];
    Tensor two = run_op(op, {a, b}, {}, 1, 17, 2)[0];
    EXPECT_EQ(max_abs_diff(one, two), 0) << op;
  }
}

}  // namespace
}  // namespace octet::testing
