// Backward of the element-wise math ops, dL/dx = dL/dy * y'(x): Gelu (ONNX opset 20, approximate
// "none": y = x Phi(x), y' = Phi(x) + x phi(x); "tanh": y = x/2 (1 + tanh u), u = sqrt(2/pi) (x +
// 0.044715 x^3), y' = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)), Erf
// (2/sqrt(pi) e^(-x^2)), Exp (y), Log (1/x), Sqrt (1/(2y)), Neg, Abs (sign x; 0 at 0, as PyTorch),
// Reciprocal (-y^2).
#include <cmath>
#include <numbers>

#include "train/backward_util.h"

namespace octet::train {
namespace {

void gelu_backward(BackwardContext& ctx) {
  const std::string approx = ctx.node.attr_string("approximate", "none");
  OCTET_CHECK(approx == "none" || approx == "tanh", ctx.node.describe(),
              ": approximate must be 'none' or 'tanh', got '", approx, "'");
  if (approx == "none") {
    unary_backward(ctx, [](float x, float, float g) {
      const double cdf = 0.5 * (1 + std::erf(x * std::numbers::sqrt2 / 2));
      const double pdf = std::exp(-0.5 * x * x) * std::numbers::inv_sqrtpi / std::numbers::sqrt2;
      return static_cast<float>(g * (cdf + x * pdf));
    });
    return;
  }
  unary_backward(ctx, [](float x, float, float g) {
    const double k = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2/pi)
    const double t = std::tanh(k * (x + 0.044715 * x * x * x));
    return static_cast<float>(g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)));
  });
}

void erf_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float x, float, float g) {
    return static_cast<float>(g * 2 * std::numbers::inv_sqrtpi * std::exp(-static_cast<double>(x) * x));
  });
}

void exp_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float y, float g) { return g * y; });
}

void log_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float x, float, float g) { return g / x; });
}

void sqrt_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float y, float g) { return g / (2 * y); });
}

void neg_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float, float g) { return -g; });
}

void abs_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float x, float, float g) { return x > 0 ? g : x < 0 ? -g : 0.0f; });
}

void reciprocal_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float y, float g) { return -g * y * y; });
}

}  // namespace

void register_unary_backward(BackwardTable& t) {
  t["Gelu"] = gelu_backward;
  t["Erf"] = erf_backward;
  t["Exp"] = exp_backward;
  t["Log"] = log_backward;
  t["Sqrt"] = sqrt_backward;
  t["Neg"] = neg_backward;
  t["Abs"] = abs_backward;
  t["Reciprocal"] = reciprocal_backward;
}

}  // namespace octet::train
