#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

TEST(GemmBackward, AllTransposeCombinations) {
  const int64_t m = 3, k = 4, n = 2;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      SCOPED_TRACE("transA " + std::to_string(ta) + " transB " + std::to_string(tb));
      Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, 1), b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, 2);
      check_gradients(
          "Gemm", {a, b, random_tensor({m, n}, 3)},
          {{"transA", attr_int(ta)}, {"transB", attr_int(tb)}, {"alpha", attr_float(0.7f)}, {"beta", attr_float(1.5f)}},
          13, {0, 1, 2});
    }
}

TEST(GemmBackward, BroadcastC) {
  for (const Shape& c : std::vector<Shape>{{}, {2}, {1, 2}, {3, 1}, {3, 2}}) {
    SCOPED_TRACE(shape_str(c));
    check_gradients("Gemm", {random_tensor({3, 4}, 1), random_tensor({4, 2}, 2), random_tensor(c, 3)},
                    {{"beta", attr_float(0.5f)}}, 13, {0, 1, 2});
  }
}

TEST(GemmBackward, WithoutC) {
  check_gradients("Gemm", {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2)}, {{"transB", attr_int(1)}}, 13, {0, 1});
}

TEST(MatMulBackward, TwoD) {
  check_gradients("MatMul", {random_tensor({3, 4}, 1), random_tensor({4, 5}, 2)}, {}, 13, {0, 1});
}

TEST(MatMulBackward, BatchedBroadcast) {
  check_gradients("MatMul", {random_tensor({2, 1, 3, 4}, 1), random_tensor({3, 4, 2}, 2)}, {}, 13, {0, 1});
  check_gradients("MatMul", {random_tensor({2, 3, 4}, 1), random_tensor({4, 2}, 2)}, {}, 13, {0, 1});
}

TEST(MatMulBackward, OneDimensionalOperands) {
  check_gradients("MatMul", {random_tensor({4}, 1), random_tensor({2, 4, 3}, 2)}, {}, 13, {0, 1});
  check_gradients("MatMul", {random_tensor({2, 3, 4}, 1), random_tensor({4}, 2)}, {}, 13, {0, 1});
  check_gradients("MatMul", {random_tensor({4}, 1), random_tensor({4}, 2)}, {}, 13, {0, 1});
}

}  // namespace
}  // namespace octet::testing
