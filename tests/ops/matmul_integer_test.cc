// MatMulInteger against a direct sum, for every operand type pair, zero-point form and shape kind.
#include <random>

#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::run_op;

template <class T>
Tensor random_tensor(Shape shape, std::mt19937& rng) {
  std::vector<T> v(shape_numel(shape));
  for (auto& x : v) x = T(rng());
  return Tensor::from_vector<T>(shape, v);
}

int32_t value(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kUInt8 ? int32_t(t.data<uint8_t>()[i]) : int32_t(t.data<int8_t>()[i]);
}

// sum_k (a[.., m, k] - a_zp) * (b[.., k, n] - b_zp[n]) for a of rank 2 or 3 and b of rank 2 or 3
// (a leading dimension of 1 broadcasts).
std::vector<int32_t> reference(const Tensor& a, const Tensor& b, const Tensor* a_zp, const Tensor* b_zp) {
  const int64_t M = a.dim(-2), K = a.dim(-1), N = b.dim(-1);
  const int64_t a_batch = a.rank() == 3 ? a.dim(0) : 1, b_batch = b.rank() == 3 ? b.dim(0) : 1;
  const int64_t batch = std::max(a_batch, b_batch);
  std::vector<int32_t> y;
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        int64_t s = 0;
        for (int64_t k = 0; k < K; ++k) {
          int64_t av = value(a, (a_batch == 1 ? 0 : i) * M * K + m * K + k) - (a_zp ? value(*a_zp, 0) : 0);
          int64_t bv = value(b, (b_batch == 1 ? 0 : i) * K * N + k * N + n) -
                       (b_zp ? value(*b_zp, b_zp->numel() == 1 ? 0 : n) : 0);
          s += av * bv;
        }
        y.push_back(int32_t(s));
      }
  return y;
}

void expect_matches(const Tensor& a, const Tensor& b, const Tensor* a_zp, const Tensor* b_zp, Shape want_shape) {
  const std::vector<int32_t> want = reference(a, b, a_zp, b_zp);
  std::vector<Tensor> inputs{a, b, a_zp ? *a_zp : Tensor(), b_zp ? *b_zp : Tensor()};
  // b (and its zero point) as constants, packed when the kernel is made, and as run-time inputs.
  for (std::vector<size_t> constants : {std::vector<size_t>{}, std::vector<size_t>{1, 3}})
    for (int threads : {1, 2}) {
      SCOPED_TRACE(cat("a ", dtype_name(a.dtype()), shape_str(a.shape()), " b ", dtype_name(b.dtype()),
                       shape_str(b.shape()), " constants ", constants.size(), " threads ", threads));
      Tensor y = run_op("MatMulInteger", inputs, {}, 1, 10, threads, constants)[0];
      ASSERT_EQ(y.dtype(), DType::kInt32);
      ASSERT_EQ(y.shape(), want_shape);
      EXPECT_EQ(std::vector<int32_t>(y.data<int32_t>(), y.data<int32_t>() + y.numel()), want);
    }
}

TEST(MatMulInteger, EveryTypePairWithZeroPoints) {
  std::mt19937 rng(3);
  // N = 70: two full 32-column panels (the fused int32 store) and a partial one.
  for (DType at : {DType::kUInt8, DType::kInt8})
    for (DType bt : {DType::kUInt8, DType::kInt8}) {
      Tensor a = at == DType::kUInt8 ? random_tensor<uint8_t>({13, 37}, rng) : random_tensor<int8_t>({13, 37}, rng);
      Tensor b = bt == DType::kUInt8 ? random_tensor<uint8_t>({37, 70}, rng) : random_tensor<int8_t>({37, 70}, rng);
      Tensor a_zp = at == DType::kUInt8 ? Tensor::scalar<uint8_t>(131) : Tensor::scalar<int8_t>(-7);
      Tensor b_zp = bt == DType::kUInt8 ? random_tensor<uint8_t>({70}, rng) : random_tensor<int8_t>({70}, rng);
      Tensor b_zp1 = bt == DType::kUInt8 ? Tensor::scalar<uint8_t>(255) : Tensor::scalar<int8_t>(-128);
      expect_matches(a, b, nullptr, nullptr, {13, 70});
      expect_matches(a, b, &a_zp, &b_zp, {13, 70});
      expect_matches(a, b, &a_zp, &b_zp1, {13, 70});
    }
}

TEST(MatMulInteger, SaturatedOperandsAreExact) {
  // |sum| = 4000 * 255 * 255 = 2.6e8: far beyond float's exact integers, within int32.
  Tensor a = Tensor::from_vector<uint8_t>({2, 4000}, std::vector<uint8_t>(8000, 255));
  Tensor b = Tensor::from_vector<uint8_t>({4000, 33}, std::vector<uint8_t>(4000 * 33, 0));
  Tensor a_zp = Tensor::scalar<uint8_t>(0), b_zp = Tensor::scalar<uint8_t>(255);
  expect_matches(a, b, &a_zp, &b_zp, {2, 33});
}

TEST(MatMulInteger, BatchedAndBroadcastShapes) {
  std::mt19937 rng(5);
  Tensor a3 = random_tensor<uint8_t>({3, 9, 20}, rng), b2 = random_tensor<int8_t>({20, 40}, rng);
  expect_matches(a3, b2, nullptr, nullptr, {3, 9, 40});  // one GEMM over 27 rows
  Tensor b3 = random_tensor<int8_t>({3, 20, 40}, rng), a1 = random_tensor<uint8_t>({1, 9, 20}, rng);
  expect_matches(a3, b3, nullptr, nullptr, {3, 9, 40});  // one product per batch
  expect_matches(a1, b3, nullptr, nullptr, {3, 9, 40});  // a broadcast over b's batch
}

TEST(MatMulInteger, VectorOperandsAndEmptySums) {
  Tensor a = Tensor::from_vector<uint8_t>({3}, {1, 2, 3});
  Tensor b = Tensor::from_vector<int8_t>({3, 2}, {1, -1, 2, -2, 3, -3});
  Tensor y = run_op("MatMulInteger", {a, b}, {}, 1, 10)[0];
  EXPECT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(std::vector<int32_t>(y.data<int32_t>(), y.data<int32_t>() + 2), (std::vector<int32_t>{14, -14}));
  Tensor bv = Tensor::from_vector<int8_t>({3}, {4, 5, 6});
  Tensor yv = run_op("MatMulInteger", {a, bv}, {}, 1, 10)[0];
  EXPECT_EQ(yv.shape(), (Shape{}));
  EXPECT_EQ(yv.data<int32_t>()[0], 32);
  Tensor e = run_op("MatMulInteger", {Tensor(DType::kUInt8, {2, 0}), Tensor(DType::kInt8, {0, 3})}, {}, 1, 10)[0];
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(std::vector<int32_t>(e.data<int32_t>(), e.data<int32_t>() + 6), std::vector<int32_t>(6, 0));
}

TEST(MatMulInteger, RejectsWhatItCannotComputeByName) {
  Tensor a = Tensor::from_vector<uint8_t>({2, 2}, {1, 2, 3, 4}), b = Tensor::from_vector<int8_t>({2, 2}, {1, 2, 3, 4});
  auto message = [](const std::vector<Tensor>& in) { return testing::op_error("MatMulInteger", in, {}, 10); };
  EXPECT_NE(message({a, b, Tensor::from_vector<uint8_t>({2}, {1, 2})}).find("per-row zero points"), std::string::npos);
  EXPECT_NE(message({a, b, Tensor::scalar<int8_t>(1)}).find("must have a's type uint8"), std::string::npos);
  EXPECT_NE(message({a, b, Tensor(), Tensor::from_vector<int8_t>({3}, {1, 2, 3})}).find("expected 1 or one per column"),
            std::string::npos);
  EXPECT_NE(message({Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}), b}).find("must be uint8 or int8"),
            std::string::npos);
  EXPECT_NE(message({a, Tensor::from_vector<int8_t>({3, 2}, {1, 2, 3, 4, 5, 6})}).find("inner dimensions differ"),
            std::string::npos);
}

}  // namespace
}  // namespace octet
