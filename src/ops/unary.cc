// One-input math ops (ONNX opsets 11..21): each output element is a function of one input
// element, with the input's dtype and shape. Float functions follow IEEE/C semantics as the
// ONNX reference (numpy) does: Sqrt and Log of negatives give NaN, Log(0) = -inf, 1/0 = inf.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/fast_math.h"
#include "ops/map.h"

namespace octet {

namespace {

// An op whose element function is the same expression for every type in TYPES.
#define OCTET_UNARY(NAME, TYPES, EXPR)      \
  void NAME(KernelContext& ctx) {           \
    run_unary_op<TYPES>(ctx, [](auto t) {   \
      using T = decltype(t);                \
      return [](T x) -> T { return EXPR; }; \
    });                                     \
  }
OCTET_UNARY(sqrt_op, FloatTypes, std::sqrt(x))
OCTET_UNARY(reciprocal, FloatTypes, T(1) / x)
OCTET_UNARY(log_op, FloatTypes, std::log(x))
OCTET_UNARY(floor_op, FloatTypes, std::floor(x))
OCTET_UNARY(ceil_op, FloatTypes, std::ceil(x))
// Round (opset 11): halves to even, what nearbyint does in the default rounding mode.
OCTET_UNARY(round_op, FloatTypes, std::nearbyint(x))
OCTET_UNARY(sin_op, FloatTypes, std::sin(x))
OCTET_UNARY(cos_op, FloatTypes, std::cos(x))
OCTET_UNARY(tan_op, FloatTypes, std::tan(x))
OCTET_UNARY(asin_op, FloatTypes, std::asin(x))
OCTET_UNARY(acos_op, FloatTypes, std::acos(x))
OCTET_UNARY(atan_op, FloatTypes, std::atan(x))
OCTET_UNARY(sinh_op, FloatTypes, std::sinh(x))
OCTET_UNARY(cosh_op, FloatTypes, std::cosh(x))
OCTET_UNARY(asinh_op, FloatTypes, std::asinh(x))
OCTET_UNARY(acosh_op, FloatTypes, std::acosh(x))
OCTET_UNARY(atanh_op, FloatTypes, std::atanh(x))
// Integer negation and absolute value wrap at the type's minimum, like numpy.
OCTET_UNARY(neg, SignedTypes, std::is_integral_v<T> ? T(WrapType<T>(0) - WrapType<T>(x)) : T(-x))
OCTET_UNARY(abs_op, NumericTypes, x < T(0) ? T(WrapType<T>(0) - WrapType<T>(x)) : x)
// Sign: -1, 0 or 1; NaN stays NaN.
OCTET_UNARY(sign, NumericTypes, x > T(0) ? T(1) : x < T(0) ? T(-1) : x == T(0) ? T(0) : x)
#undef OCTET_UNARY

void exp_op(KernelContext& ctx) {
  run_float_array_op(
      ctx, [](const kernels::VmathKernels& k) { return k.exp; },
      [](auto t) { return [](decltype(t) x) { return fast_exp(x); }; });
}

void is_nan(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  visit_dtype(FloatTypes{}, x.dtype(), ctx.node, [&](auto t) {
    using T = decltype(t);
    Tensor y(DType::kBool, x.shape());
    unary_map<bool, T>(ctx.pool, x, y, [](T v) { return v != v; });
    ctx.outputs[0] = y;
  });
}

// IsInf (opset 10): detect_negative / detect_positive select which infinities count.
void is_inf(KernelContext& ctx) {
  const bool neg = ctx.node.attr_int("detect_negative", 1) != 0;
  const bool pos = ctx.node.attr_int("detect_positive", 1) != 0;
  const Tensor& x = ctx.input(0);
  visit_dtype(FloatTypes{}, x.dtype(), ctx.node, [&](auto t) {
    using T = decltype(t);
    Tensor y(DType::kBool, x.shape());
    unary_map<bool, T>(ctx.pool, x, y, [neg, pos](T v) {
      return (pos && v == std::numeric_limits<T>::infinity()) || (neg && v == -std::numeric_limits<T>::infinity());
    });
    ctx.outputs[0] = y;
  });
}

}  // namespace

void register_unary_ops(OpRegistry& r) {
  r.add("Sqrt", sqrt_op);
  r.add("Reciprocal", reciprocal);
  r.add("Exp", exp_op);
  r.add("Log", log_op);
  r.add("Floor", floor_op);
  r.add("Ceil", ceil_op);
  r.add("Round", round_op);
  r.add("Sin", sin_op);
  r.add("Cos", cos_op);
  r.add("Tan", tan_op);
  r.add("Asin", asin_op);
  r.add("Acos", acos_op);
  r.add("Atan", atan_op);
  r.add("Sinh", sinh_op);
  r.add("Cosh", cosh_op);
  r.add("Asinh", asinh_op);
  r.add("Acosh", acosh_op);
  r.add("Atanh", atanh_op);
  r.add("Neg", neg);
  r.add("Abs", abs_op);
  r.add("Sign", sign);
  r.add("IsNaN", is_nan);
  r.add("IsInf", is_inf);
}

}  // namespace octet
