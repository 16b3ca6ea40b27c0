#include "train/loss.h"

#include <cmath>

#include "ops/op_test_util.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

using train::Loss;

// Central differences of loss(x) against loss(x).grad, element by element.
template <class F>
void expect_grad_matches_differences(const Tensor& x, F loss) {
  const Loss at = loss(x);
  const float h = 1e-2f;
  for (int64_t i = 0; i < x.numel(); ++i) {
    Tensor plus = x.clone(), minus = x.clone();
    plus.data<float>()[i] += h;
    minus.data<float>()[i] -= h;
    const double numeric = (loss(plus).value - loss(minus).value) / (plus.data<float>()[i] - minus.data<float>()[i]);
    EXPECT_NEAR(at.grad.data<float>()[i], numeric, 1e-4 + 1e-2 * std::fabs(numeric)) << "element " << i;
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(SoftmaxCrossEntropy, HandComputed) {
  // Row 0: logits (0, ln 3): softmax (1/4, 3/4), label 1 -> -ln(3/4). Row 1: equal logits, 1/2.
  Tensor logits = Tensor::from_vector<float>({2, 2}, {0.0f, std::log(3.0f), 5.0f, 5.0f});
  Loss l = train::softmax_cross_entropy(logits, Tensor::from_vector<int64_t>({2}, {1, 0}));
  EXPECT_NEAR(l.value, (-std::log(0.75) - std::log(0.5)) / 2, 1e-6);
  expect_close(l.grad, Tensor::from_vector<float>({2, 2}, {0.125f, -0.125f, -0.25f, 0.25f}), 1e-6);
}

TEST(SoftmaxCrossEntropy, StableForLargeLogits) {
  Loss l = train::softmax_cross_entropy(Tensor::from_vector<float>({1, 2}, {1000.0f, 0.0f}),
                                        Tensor::from_vector<int32_t>({1}, {1}));
  EXPECT_NEAR(l.value, 1000.0, 1e-3);
  expect_close(l.grad, Tensor::from_vector<float>({1, 2}, {1.0f, -1.0f}), 1e-6);
}

TEST(SoftmaxCrossEntropy, GradientMatchesDifferences) {
  Tensor labels = Tensor::from_vector<int64_t>({3}, {2, 0, 3});
  expect_grad_matches_differences(random_tensor({3, 4, 1, 1}, 1, -2, 2),
                                  [&](const Tensor& x) { return train::softmax_cross_entropy(x, labels); });
}

TEST(SoftmaxCrossEntropy, Errors) {
  Tensor logits = random_tensor({2, 3}, 1);
  const std::string bad =
      error_of([&] { train::softmax_cross_entropy(logits, Tensor::from_vector<int64_t>({2}, {0, 3})); });
  EXPECT_NE(bad.find("sample 1"), std::string::npos) << bad;
  EXPECT_NE(bad.find("label 3"), std::string::npos) << bad;
  EXPECT_NE(error_of([&] {
              train::softmax_cross_entropy(logits, Tensor::from_vector<int64_t>({3}, {0, 1, 2}));
            }).find("[2,3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              train::softmax_cross_entropy(random_tensor({2, 3, 2}, 1), Tensor(DType::kInt64, {2}));
            }).find("[2,3,2]"),
            std::string::npos);
}

TEST(DistillationKl, HandComputed) {
  // T = 2: student (0, 0) -> (1/2, 1/2); teacher (0, 2 ln 3) -> (1/4, 3/4).
  Tensor s = Tensor::from_vector<float>({1, 2}, {0.0f, 0.0f});
  Tensor t = Tensor::from_vector<float>({1, 2}, {0.0f, 2 * std::log(3.0f)});
  Loss l = train::distillation_kl(s, t, 2.0f);
  EXPECT_NEAR(l.value, 4 * (0.25 * std::log(0.5) + 0.75 * std::log(1.5)), 1e-6);
  expect_close(l.grad, Tensor::from_vector<float>({1, 2}, {0.5f, -0.5f}), 1e-6);
  EXPECT_NEAR(train::distillation_kl(t, t, 3.0f).value, 0.0, 1e-9);
}

TEST(DistillationKl, GradientMatchesDifferences) {
  Tensor teacher = random_tensor({3, 5}, 2, -2, 2);
  expect_grad_matches_differences(random_tensor({3, 5}, 1, -2, 2),
                                  [&](const Tensor& x) { return train::distillation_kl(x, teacher, 2.5f); });
}

TEST(DistillationKl, ShapeMismatchNamesBoth) {
  const std::string e = error_of([] { train::distillation_kl(random_tensor({2, 3}, 1), random_tensor({2, 4}, 2), 1); });
  EXPECT_NE(e.find("[2,3]"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,4]"), std::string::npos) << e;
}

TEST(MeanSquaredError, HandComputedAndDifferences) {
  Loss l = train::mean_squared_error(Tensor::from_vector<float>({2, 1}, {1.0f, 3.0f}),
                                     Tensor::from_vector<float>({2, 1}, {0.0f, 1.0f}));
  EXPECT_NEAR(l.value, 2.5, 1e-9);
  expect_close(l.grad, Tensor::from_vector<float>({2, 1}, {1.0f, 2.0f}), 1e-6);
  Tensor target = random_tensor({2, 3}, 2);
  expect_grad_matches_differences(random_tensor({2, 3}, 1),
                                  [&](const Tensor& x) { return train::mean_squared_error(x, target); });
  const std::string e = error_of([] { train::mean_squared_error(random_tensor({2, 3}, 1), random_tensor({3, 2}, 2)); });
  EXPECT_NE(e.find("[2,3]"), std::string::npos) << e;
  EXPECT_NE(e.find("[3,2]"), std::string::npos) << e;
}

}  // namespace
}  // namespace octet::testing
