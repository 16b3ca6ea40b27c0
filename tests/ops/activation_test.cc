#include <cmath>
#include <limits>

#include "kernels/fast_math.h"
#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor ramp(Shape shape, float lo, float step) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = lo + step * static_cast<float>(i);
  return t;
}

TEST(ActivationOps, FastMathWithinOneMillionthOfStd) {
  for (float x = -110.0f; x < 90.0f; x += 0.0137f) {
    float e = static_cast<float>(std::exp(static_cast<double>(x)));
    if (std::isinf(e)) EXPECT_EQ(fast_exp(x), e) << x;  // overflow: inf - inf would be NaN
    else EXPECT_LE(std::fabs(fast_exp(x) - e), 1e-6 * e + 1e-44) << x;
    EXPECT_LE(std::fabs(fast_tanh(x) - std::tanh(x)), 1e-6 * std::fabs(std::tanh(x)) + 1e-30) << x;
    EXPECT_LE(std::fabs(fast_erf(x) - std::erf(x)), 1e-6 * std::fabs(std::erf(x)) + 1e-30) << x;
  }
  EXPECT_TRUE(std::isnan(fast_exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(fast_exp(100.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fast_exp(-std::numeric_limits<float>::infinity()), 0.0f);
}

TEST(ActivationOps, ReluLeakyPRelu) {
  Tensor x = Tensor::from_vector<float>({2, 2}, {-2, 1, -1, 3});
  expect_close(run_op("Relu", {x})[0], Tensor::from_vector<float>({2, 2}, {0, 1, 0, 3}), 0);
  expect_close(run_op("Relu", {Tensor::from_vector<int32_t>({2}, {-5, 5})})[0],
               Tensor::from_vector<int32_t>({2}, {0, 5}), 0);
  expect_close(run_op("LeakyRelu", {x}, {{"alpha", attr_float(0.5f)}})[0],
               Tensor::from_vector<float>({2, 2}, {-1, 1, -0.5f, 3}), 0);
  // Slope [2,1] broadcasts unidirectionally to X [2,2].
  expect_close(run_op("PRelu", {x, Tensor::from_vector<float>({2, 1}, {0.1f, 2})})[0],
               Tensor::from_vector<float>({2, 2}, {-0.2f, 1, -2, 3}), 1e-7);
  EXPECT_THROW(run_op("PRelu", {Tensor(DType::kFloat32, {2}), Tensor(DType::kFloat32, {2, 2})}), Error);
}

TEST(ActivationOps, ClipAttributesBeforeOpset11InputsAfter) {
  Tensor x = Tensor::from_vector<float>({4}, {-3, 0.5f, 2, std::numeric_limits<float>::quiet_NaN()});
  Tensor old = run_op("Clip", {x}, {{"min", attr_float(-1)}, {"max", attr_float(1)}}, 1, 6)[0];
  Tensor now = run_op("Clip", {x, Tensor::scalar<float>(-1), Tensor::scalar<float>(1)}, {}, 1, 13)[0];
  for (const Tensor& y : {old, now}) {
    EXPECT_EQ(y.data<float>()[0], -1);
    EXPECT_EQ(y.data<float>()[1], 0.5f);
    EXPECT_EQ(y.data<float>()[2], 1);
    EXPECT_TRUE(std::isnan(y.data<float>()[3]));
  }
  // Only max given (min omitted), and integers.
  expect_close(run_op("Clip", {Tensor::from_vector<int64_t>({3}, {-9, 4, 9}), Tensor(), Tensor::scalar<int64_t>(5)}, {},
                      1, 13)[0],
               Tensor::from_vector<int64_t>({3}, {-9, 4, 5}), 0);
  // min > max gives max everywhere.
  expect_close(run_op("Clip", {x, Tensor::scalar<float>(2), Tensor::scalar<float>(1)}, {}, 1, 13)[0].reshaped({4}),
               Tensor::from_vector<float>({4}, {1, 1, 1, std::numeric_limits<float>::quiet_NaN()}), 0);
}

TEST(ActivationOps, SmoothActivationsMatchFormulas) {
  Tensor x = ramp({64}, -8, 0.25f);
  auto check = [&](const char* op, auto f, std::map<std::string, Attribute> attrs = {}, int opset = 20) {
    Tensor y = run_op(op, {x}, attrs, 1, opset)[0];
    for (int64_t i = 0; i < x.numel(); ++i) {
      double v = x.data<float>()[i], want = f(v);
      // Gelu's 1 + erf(v / sqrt 2) cancels for negative v: float can do no better than |v| ulps of 1.
      EXPECT_NEAR(y.data<float>()[i], want, 1e-6 * std::fabs(want) + 1e-7 * std::max(1.0, std::fabs(v)))
          << op << " at " << v;
    }
  };
  check("Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); });
  check("Tanh", [](double v) { return std::tanh(v); });
  check("Erf", [](double v) { return std::erf(v); });
  check("Gelu", [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  check("Gelu", [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); },
        {{"approximate", attr_string("tanh")}});
  check("HardSigmoid", [](double v) { return std::max(0.0, std::min(1.0, 0.2 * v + 0.5)); });
  check("HardSwish", [](double v) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); });
  check("Softplus", [](double v) { return std::log1p(std::exp(v)); });
  check("Elu", [](double v) { return v < 0 ? 2 * (std::exp(v) - 1) : v; }, {{"alpha", attr_float(2)}});
  check("Selu", [](double v) { return 1.0507009873554805 * (v <= 0 ? 1.6732632423543772 * (std::exp(v) - 1) : v); });
  check("Mish", [](double v) { return v * std::tanh(std::log1p(std::exp(v))); });
  EXPECT_THROW(run_op("Gelu", {x}, {{"approximate", attr_string("fast")}}, 1, 20), Error);
}

TEST(ActivationOps, SoftmaxOpsetAxisSemantics) {
  Tensor x = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  Tensor y = run_op("Softmax", {x}, {}, 1, 13)[0];
  double e = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_close(y,
               Tensor::from_vector<float>({2, 3}, {float(std::exp(1.0) / e), float(std::exp(2.0) / e),
                                                   float(std::exp(3.0) / e), 1 / 3.f, 1 / 3.f, 1 / 3.f}),
               1e-6);
  Tensor ly = run_op("LogSoftmax", {x}, {}, 1, 13)[0];
  EXPECT_NEAR(ly.data<float>()[0], 1 - std::log(e), 1e-5);
  // Opset 13 along axis 0 of [2,3] vs opset 11 coercing [2,3] at axis 0 to one row of 6.
  Tensor z = Tensor::from_vector<float>({2, 3}, {0, 0, 0, 0, 0, 0});
  expect_close(run_op("Softmax", {z}, {{"axis", attr_int(0)}}, 1, 13)[0],
               Tensor::from_vector<float>({2, 3}, {.5f, .5f, .5f, .5f, .5f, .5f}), 1e-7);
  expect_close(run_op("Softmax", {z}, {{"axis", attr_int(0)}}, 1, 11)[0],
               Tensor::from_vector<float>({2, 3}, {1 / 6.f, 1 / 6.f, 1 / 6.f, 1 / 6.f, 1 / 6.f, 1 / 6.f}), 1e-7);
  // Opset 11 default axis 1 on [2,1,2]: rows of 2 elements.
  Tensor w = Tensor::from_vector<float>({2, 1, 2}, {0, 0, 0, 0});
  expect_close(run_op("Softmax", {w}, {}, 1, 11)[0], Tensor::from_vector<float>({2, 1, 2}, {.5f, .5f, .5f, .5f}), 1e-7);
  EXPECT_THROW(run_op("Softmax", {x}, {{"axis", attr_int(2)}}, 1, 13), Error);
}

TEST(ActivationOps, ThreadCountDoesNotChangeResults) {
  Tensor x = ramp({4, 8, 1000}, -20, 0.001f);
  for (const char* op : {"Sigmoid", "Gelu", "Softmax", "LogSoftmax", "Tanh"}) {
    Tensor a = run_op(op, {x}, {}, 1, 20, 1)[0];
    Tensor b = run_op(op, {x}, {}, 1, 20, 2)[0];
    EXPECT_EQ(max_abs_diff(a, b), 0) << op;
  }
}

}  // namespace
}  // namespace octet::testing
