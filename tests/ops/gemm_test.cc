// Gemm and MatMul against direct triple loops: transposes, alpha/beta, every C broadcast, numpy
// MatMul with 1-D operands and batch broadcasting, constant and non-constant B, 1 and 2 threads.
#include <random>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

TEST(GemmOp, TransposesAlphaBetaBroadcastC) {
  std::mt19937 rng(5);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 64; ++iter) {
    const int64_t m = pick(1, 40), k = pick(1, 40), n = pick(1, 40);
    const bool ta = iter & 1, tb = iter & 2;
    const float alpha = iter % 3 ? 1.f : 0.5f, beta = iter % 5 ? 1.f : -2.f;
    Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, rng),
           b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, rng);
    const std::vector<Shape> c_shapes = {{}, {n}, {1, n}, {m, 1}, {m, n}, {1}};
    const int ci = (iter / 4) % 7;  // 6: no C
    Tensor c = ci < 6 ? random_tensor(c_shapes[ci], rng) : Tensor();
    Tensor want(DType::kFloat32, {m, n});
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += double(a.data<float>()[ta ? p * m + i : i * k + p]) * b.data<float>()[tb ? j * k + p : p * n + j];
        double cv = 0;
        if (c.defined()) {
          const int64_t cm = c.rank() == 2 ? c.dim(0) : 1, cn = c.rank() >= 1 ? c.dim(-1) : 1;
          cv = c.data<float>()[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
        }
        want.data<float>()[i * n + j] = static_cast<float>(alpha * acc + beta * cv);
      }
    std::vector<Tensor> inputs = {a, b};
    if (c.defined()) inputs.push_back(c);
    SCOPED_TRACE(cat("iter ", iter, " m ", m, " k ", k, " n ", n));
    const std::vector<size_t> constants = iter % 3 ? std::vector<size_t>{1, 2} : std::vector<size_t>{};
    Tensor got = run_op(
        "Gemm", inputs,
        {{"transA", attr_int(ta)}, {"transB", attr_int(tb)}, {"alpha", attr_float(alpha)}, {"beta", attr_float(beta)}},
        1, 13, 1 + iter % 2, constants)[0];
    expect_close(got, want, 1e-4 * std::max<double>(1, k));
  }
  std::mt19937 r2(1);
  EXPECT_THROW(run_op("Gemm", {random_tensor({2, 3}, r2), random_tensor({4, 5}, r2)}), Error);
  EXPECT_THROW(run_op("Gemm", {random_tensor({2, 3}, r2), random_tensor({3, 5}, r2), random_tensor({3, 5}, r2)}),
               Error);
}

// numpy.matmul by definition, on shapes already made >= 2-D and broadcast.
Tensor ref_matmul(const Tensor& a, const Tensor& b, const Shape& out) {
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const size_t r = std::max(as.size(), bs.size());
  while (as.size() < r) as.insert(as.begin(), 1);
  while (bs.size() < r) bs.insert(bs.begin(), 1);
  const int64_t m = as[r - 2], k = as[r - 1], n = bs[r - 1];
  Shape batch(r - 2);
  for (size_t i = 0; i + 2 < r; ++i) batch[i] = std::max(as[i], bs[i]);
  Tensor y(DType::kFloat32, out);
  const int64_t nb = shape_numel(batch);
  for (int64_t bi = 0; bi < nb; ++bi) {
    int64_t rem = bi, oa = 0, ob = 0, sa = m * k, sb = k * n;
    for (size_t d = r - 2; d-- > 0;) {
      const int64_t idx = rem % batch[d];
      rem /= batch[d];
      oa += (as[d] == 1 ? 0 : idx) * sa;
      ob += (bs[d] == 1 ? 0 : idx) * sb;
      sa *= as[d];
      sb *= bs[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += double(a.data<float>()[oa + i * k + p]) * b.data<float>()[ob + p * n + j];
        y.data<float>()[(bi * m + i) * n + j] = static_cast<float>(acc);
      }
  }
  return y;
}

TEST(MatMulOp, NumpySemantics) {
  std::mt19937 rng(9);
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{5, 7}, {7, 3}, {5, 3}},
      {{7}, {7, 3}, {3}},
      {{5, 7}, {7}, {5}},
      {{7}, {7}, {}},
      {{2, 3, 5, 7}, {7, 4}, {2, 3, 5, 4}},
      {{12, 16, 8}, {12, 8, 16}, {12, 16, 16}},
      {{2, 1, 5, 7}, {3, 7, 4}, {2, 3, 5, 4}},
      {{5, 7}, {3, 7, 2}, {3, 5, 2}},
      {{4, 1, 5, 7}, {1, 3, 7, 2}, {4, 3, 5, 2}},  // both batches broadcast: one sgemm per product
      {{3, 5, 7}, {1, 7, 4}, {3, 5, 4}},
      {{1, 33, 65}, {65, 17}, {1, 33, 17}},
  };
  for (const Case& c : cases)
    for (int threads : {1, 2})
      for (bool constant : {false, true}) {
        Tensor a = random_tensor(c.a, rng), b = random_tensor(c.b, rng);
        SCOPED_TRACE(cat(shape_str(c.a), " x ", shape_str(c.b), " threads ", threads, " const ", constant));
        Tensor got =
            run_op("MatMul", {a, b}, {}, 1, 13, threads, constant ? std::vector<size_t>{1} : std::vector<size_t>{})[0];
        expect_close(got, ref_matmul(a, b, c.out), 1e-4 * c.a.back());
      }
  EXPECT_THROW(run_op("MatMul", {random_tensor({2, 3}, rng), random_tensor({4, 5}, rng)}), Error);
  EXPECT_THROW(run_op("MatMul", {random_tensor({2, 2, 3}, rng), random_tensor({3, 3, 5}, rng)}), Error);
}

}  // namespace
}  // namespace octet::testing
