// Activations (ONNX opsets 11..21). Each op's element function follows the ONNX operator spec;
// NaN inputs give NaN outputs, as in the ONNX reference implementation (numpy). Softmax and
// LogSoftmax live in softmax.cc.
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/octet_ops.h"
#include "kernels/fast_math.h"
#include "ops/map.h"
#include "ops/softmax.h"

namespace octet {

namespace {

// Comparisons are written `x < 0 ? a : x` so that a NaN x falls through to itself.
void relu(KernelContext& ctx) {
  run_unary_op<SignedTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T x) { return x < T(0) ? T(0) : x; };
  });
}

void leaky_relu(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 0.01f);
  run_unary_op<FloatTypes>(ctx, [alpha](auto t) {
    using T = decltype(t);
    return [a = T(alpha)](T x) { return x < T(0) ? x * a : x; };
  });
}

// PRelu: slope broadcasts unidirectionally to X (ONNX opset 7+); output has X's shape.
void prelu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& slope = ctx.input(1);
  OCTET_CHECK(slope.dtype() == x.dtype(), ctx.node.describe(), ": slope type ", dtype_name(slope.dtype()),
              " differs from input type ", dtype_name(x.dtype()));
  OCTET_CHECK(broadcasts_to(slope.shape(), x.shape()), ctx.node.describe(), ": slope of shape ",
              shape_str(slope.shape()), " does not broadcast to input shape ", shape_str(x.shape()));
  visit_dtype(NumericTypes{}, x.dtype(), ctx.node, [&](auto tag) {
    using T = decltype(tag);
    using W = WrapType<T>;
    Tensor y(x.dtype(), x.shape());
    binary_map<T, T, T>(
        ctx.pool, x, slope, y, [](T v, T s) { return v < T(0) ? T(W(v) * W(s)) : v; }, ctx.node.describe());
    ctx.outputs[0] = y;
  });
}

// The Clip bound at input `i` (opset >= 11): an optional one-element tensor of the input's type.
template <class T>
T clip_bound(const KernelContext& ctx, size_t i, T def) {
  const Tensor* b = ctx.optional_input(i);
  if (!b) return def;
  OCTET_CHECK(b->dtype() == ctx.input(0).dtype(), ctx.node.describe(), ": ", i == 1 ? "min" : "max", " has type ",
              dtype_name(b->dtype()), ", input has ", dtype_name(ctx.input(0).dtype()));
  OCTET_CHECK(b->numel() == 1, ctx.node.describe(), ": ", i == 1 ? "min" : "max", " must be a scalar, has shape ",
              shape_str(b->shape()));
  return b->data<T>()[0];
}

// Clip: y = min(max(x, lo), hi), so lo > hi gives hi everywhere (ONNX Clip-13 spec). Before
// opset 11 the bounds are float attributes.
void clip(KernelContext& ctx) {
  run_unary_op<NumericTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    if (ctx.node.opset < 11) {
      // Clip-6 takes float tensors only.
      OCTET_CHECK(std::is_floating_point_v<T>, ctx.node.describe(), ": Clip before opset 11 takes float inputs, got ",
                  dtype_name(ctx.input(0).dtype()));
      if constexpr (std::is_floating_point_v<T>) {
        lo = static_cast<T>(ctx.node.attr_float("min", -std::numeric_limits<float>::infinity()));
        hi = static_cast<T>(ctx.node.attr_float("max", std::numeric_limits<float>::infinity()));
      }
    } else {
      lo = clip_bound<T>(ctx, 1, lo);
      hi = clip_bound<T>(ctx, 2, hi);
    }
    return [lo, hi](T x) {
      T v = x < lo ? lo : x;
      return v > hi ? hi : v;
    };
  });
}

void sigmoid(KernelContext& ctx) {
  run_float_array_op(
      ctx, [](const kernels::VmathKernels& k) { return k.sigmoid; },
      [](auto t) { return [](decltype(t) x) { return fast_sigmoid(x); }; });
}

void tanh_op(KernelContext& ctx) {
  run_float_array_op(
      ctx, [](const kernels::VmathKernels& k) { return k.tanh; },
      [](auto t) { return [](decltype(t) x) { return fast_tanh(x); }; });
}

void erf_op(KernelContext& ctx) {
  run_float_array_op(
      ctx, [](const kernels::VmathKernels& k) { return k.erf; },
      [](auto t) { return [](decltype(t) x) { return fast_erf(x); }; });
}

// max(0, min(1, alpha * x + beta)), NaN preserved.
template <class T>
T hard_sigmoid_of(T x, T alpha, T beta) {
  T v = alpha * x + beta;
  v = v > T(1) ? T(1) : v;
  return v < T(0) ? T(0) : v;
}

void hard_sigmoid(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 0.2f), beta = ctx.node.attr_float("beta", 0.5f);
  run_unary_op<FloatTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    return [a = T(alpha), b = T(beta)](T x) { return hard_sigmoid_of(x, a, b); };
  });
}

// HardSwish (opset 14): x * HardSigmoid(x) with alpha = 1/6, beta = 0.5.
void hard_swish(KernelContext& ctx) {
  run_unary_op<FloatTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T x) { return x * hard_sigmoid_of(x, T(1) / T(6), T(0.5)); };
  });
}

// Gelu (opset 20): approximate="none": x/2 (1 + erf(x/sqrt 2));
// "tanh": x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu(KernelContext& ctx) {
  std::string approx = ctx.node.attr_string("approximate", "none");
  OCTET_CHECK(approx == "none" || approx == "tanh", ctx.node.describe(),
              ": approximate must be 'none' or 'tanh', got '", approx, "'");
  if (approx == "none") {
    run_float_array_op(
        ctx, [](const kernels::VmathKernels& k) { return k.gelu_erf; },
        [](auto t) {
          using T = decltype(t);
          return [](T x) { return T(0.5) * x * (T(1) + fast_erf(x * T(0.70710678118654752440))); };
        });
  } else {
    run_float_array_op(
        ctx, [](const kernels::VmathKernels& k) { return k.gelu_tanh; },
        [](auto t) {
          using T = decltype(t);
          return [](T x) {
            return T(0.5) * x * (T(1) + fast_tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)));
          };
        });
  }
}

// log(1 + e^x), written to neither overflow for large x nor lose digits for very negative x.
template <class T>
T softplus_of(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

void softplus(KernelContext& ctx) {
  run_unary_op<FloatTypes>(ctx, [](auto t) { return [](decltype(t) x) { return softplus_of(x); }; });
}

void softsign(KernelContext& ctx) {
  run_unary_op<FloatTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T x) { return x / (T(1) + std::fabs(x)); };
  });
}

// Mish (opset 18): x * tanh(softplus(x)).
void mish(KernelContext& ctx) {
  run_unary_op<FloatTypes>(ctx, [](auto t) { return [](decltype(t) x) { return x * fast_tanh(softplus_of(x)); }; });
}

// Elu: x < 0 ? alpha (e^x - 1) : x.
void elu(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 1.0f);
  run_unary_op<FloatTypes>(ctx, [alpha](auto t) {
    using T = decltype(t);
    return [a = T(alpha)](T x) { return x < T(0) ? a * (fast_exp(x) - T(1)) : x; };
  });
}

// Selu: gamma * (x <= 0 ? alpha (e^x - 1) : x), defaults from the ONNX spec.
void selu(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 1.67326319217681884765625f);
  float gamma = ctx.node.attr_float("gamma", 1.05070102214813232421875f);
  run_unary_op<FloatTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    return [a = T(alpha), g = T(gamma)](T x) { return g * (x <= T(0) ? a * (fast_exp(x) - T(1)) : x); };
  });
}

// Celu (opset 12): max(0, x) + min(0, alpha (e^(x/alpha) - 1)).
void celu(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 1.0f);
  OCTET_CHECK(alpha != 0, ctx.node.describe(), ": alpha must not be 0");
  run_unary_op<FloatTypes>(ctx, [alpha](auto t) {
    using T = decltype(t);
    return [a = T(alpha)](T x) { return x < T(0) ? a * (fast_exp(x / a) - T(1)) : x; };
  });
}

void thresholded_relu(KernelContext& ctx) {
  float alpha = ctx.node.attr_float("alpha", 1.0f);
  run_unary_op<FloatTypes>(ctx, [alpha](auto t) {
    using T = decltype(t);
    return [a = T(alpha)](T x) { return x > a ? x : (x != x ? x : T(0)); };
  });
}

// Shrink (opset 9): x < -lambd ? x + bias : x > lambd ? x - bias : 0.
void shrink(KernelContext& ctx) {
  float lambd = ctx.node.attr_float("lambd", 0.5f), bias = ctx.node.attr_float("bias", 0.0f);
  run_unary_op<NumericTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    // Compared and shifted in double: the float attributes apply to integer inputs too.
    return [l = double(lambd), b = double(bias)](T x) {
      double v = static_cast<double>(x);
      return v < -l ? static_cast<T>(v + b) : v > l ? static_cast<T>(v - b) : (v != v ? x : T(0));
    };
  });
}

}  // namespace

void register_activation_ops(OpRegistry& r) {
  r.add("Relu", relu);
  r.add("LeakyRelu", leaky_relu);
  r.add("PRelu", prelu);
  r.add("Clip", clip);
  r.add("Sigmoid", sigmoid);
  r.add("Tanh", tanh_op);
  r.add("Erf", erf_op);
  r.add("HardSigmoid", hard_sigmoid);
  r.add("HardSwish", hard_swish);
  r.add("Gelu", gelu);
  r.add(octet_op::kGelu, gelu, kOctetDomain);  // passes/fuse_gelu.h, for models older than opset 20
  r.add("Softplus", softplus);
  r.add("Softsign", softsign);
  r.add("Mish", mish);
  r.add("Elu", elu);
  r.add("Selu", selu);
  r.add("Celu", celu);
  r.add("ThresholdedRelu", thresholded_relu);
  r.add("Shrink", shrink);
  register_softmax_ops(r);
}

}  // namespace octet
