// Element-wise ops over two or more inputs with multidirectional (numpy) broadcasting
// (ONNX opsets 11..21): arithmetic, Pow, Mod, variadic Max/Min/Sum/Mean, comparisons, logical
// and bitwise ops, Where. Integer arithmetic wraps on overflow; integer division truncates toward
// zero (C semantics, what the ONNX reference's cast of numpy's true division gives) and a zero
// divisor is an error, not a crash.
#include <cmath>
#include <limits>
#include <type_traits>

#include "ops/map.h"
#include "ops/strip.h"

namespace octet {

namespace {

using IntTypes = TypeList<int8_t, uint8_t, int16_t, uint16_t, int32_t, int64_t, uint32_t, uint64_t>;
using UnsignedTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using BoolTypes = TypeList<bool>;

void check_same_dtype(const KernelContext& ctx, size_t i, size_t j) {
  OCTET_CHECK(ctx.input(i).dtype() == ctx.input(j).dtype(), ctx.node.describe(), ": input ", j, " has type ",
              dtype_name(ctx.input(j).dtype()), ", input ", i, " has ", dtype_name(ctx.input(i).dtype()));
}

// c = f(a, b) for two inputs of one dtype in `Types`; the result is bool when kBoolOut (comparisons).
template <class Types, bool kBoolOut, class Make>
Tensor binary(KernelContext& ctx, const Tensor& a, const Tensor& b, Make make) {
  Shape shape = broadcast_shapes({&a.shape(), &b.shape()}, ctx.node.describe());
  Tensor y;
  visit_dtype(Types{}, a.dtype(), ctx.node, [&](auto tag) {
    using T = decltype(tag);
    using O = std::conditional_t<kBoolOut, bool, T>;
    y = Tensor::uninitialized(dtype_of<O>(), shape);
    binary_map<O, T, T>(ctx.pool, a, b, y, make(tag), ctx.node.describe());
  });
  return y;
}

template <class Types, bool kBoolOut = false, class Make>
void run_binary(KernelContext& ctx, Make make) {
  check_same_dtype(ctx, 0, 1);
  ctx.outputs[0] = binary<Types, kBoolOut>(ctx, ctx.input(0), ctx.input(1), make);
}

// Max, Min, Sum, Mean: any number of inputs (at least one), folded left to right.
template <class Types, class Make>
Tensor fold_inputs(KernelContext& ctx, Make make) {
  OCTET_CHECK(ctx.num_inputs() >= 1, ctx.node.describe(), ": needs at least one input");
  for (size_t i = 1; i < ctx.num_inputs(); ++i) check_same_dtype(ctx, 0, i);
  Tensor acc = ctx.input(0).clone();
  for (size_t i = 1; i < ctx.num_inputs(); ++i) acc = binary<Types, false>(ctx, acc, ctx.input(i), make);
  visit_dtype(Types{}, acc.dtype(), ctx.node, [](auto) {});  // a single input is type-checked too
  return acc;
}

// Integer division and modulo must not see a zero divisor (SIGFPE in C++).
template <class T>
void check_no_zero_divisor(const KernelContext& ctx, const Tensor& b) {
  if constexpr (std::is_integral_v<T>) {
    const T* p = b.data<T>();
    for (int64_t i = 0; i < b.numel(); ++i)
      OCTET_CHECK(p[i] != 0, ctx.node.describe(), ": integer division by zero (divisor element ", i, ")");
  }
}

template <class T>
T wrap_neg(T a) {
  using W = WrapType<T>;
  return T(W(0) - W(a));
}

void add(KernelContext& ctx) {
  run_binary<NumericTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T a, T b) { return T(WrapType<T>(a) + WrapType<T>(b)); };
  });
}

void sub(KernelContext& ctx) {
  run_binary<NumericTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T a, T b) { return T(WrapType<T>(a) - WrapType<T>(b)); };
  });
}

void mul(KernelContext& ctx) {
  run_binary<NumericTypes>(ctx, [](auto t) {
    using T = decltype(t);
    return [](T a, T b) { return T(WrapType<T>(a) * WrapType<T>(b)); };
  });
}

void div(KernelContext& ctx) {
  run_binary<NumericTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    check_no_zero_divisor<T>(ctx, ctx.input(1));
    return [](T a, T b) {
      // lowest() / -1 overflows: the wrapped negation is what the hardware would give.
      if constexpr (std::is_signed_v<T> && std::is_integral_v<T>)
        if (b == T(-1)) return wrap_neg(a);
      return T(a / b);
    };
  });
}

// Mod (opset 10/13): fmod=1 takes the sign of the dividend (C fmod); fmod=0 the sign of the
// divisor (Python's %, numpy.mod as in the ONNX reference, which also accepts floats).
void mod(KernelContext& ctx) {
  const int64_t fmod = ctx.node.attr_int("fmod", 0);
  OCTET_CHECK(fmod == 0 || fmod == 1, ctx.node.describe(), ": fmod must be 0 or 1, got ", fmod);
  run_binary<NumericTypes>(ctx, [&](auto t) {
    using T = decltype(t);
    check_no_zero_divisor<T>(ctx, ctx.input(1));
    return [fmod](T a, T b) {
      T r;
      if constexpr (std::is_floating_point_v<T>) {
        r = std::fmod(a, b);
      } else if constexpr (std::is_signed_v<T>) {
        r = b == T(-1) ? T(0) : T(a % b);
      } else {
        r = T(a % b);
      }
      if constexpr (std::is_signed_v<T>)
        if (!fmod && r != T(0) && (r < T(0)) != (b < T(0))) r = T(r + b);
      return r;
    };
  });
}

// A double converted to integer T, saturating (and NaN -> 0) instead of undefined behaviour.
template <class T>
T saturate_to(double v) {
  if (!(v == v)) return T(0);
  if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

// Integer power by squaring, wrapping like numpy. A negative exponent gives the truncated value
// of 1 / x^|e|: +-1 for x = +-1, else 0.
template <class T, class E>
T int_pow(T x, E e) {
  using W = WrapType<T>;
  if constexpr (std::is_signed_v<E>) {
    if (e < 0) return x == T(1) ? T(1) : x == T(-1) ? ((-static_cast<int64_t>(e)) % 2 ? T(-1) : T(1)) : T(0);
  }
  W r = 1, b = W(x);
  for (uint64_t n = static_cast<uint64_t>(e); n; n >>= 1) {
    if (n & 1) r = W(r * b);
    b = W(b * b);
  }
  return T(r);
}

// Pow (opset 12/13/15): base and exponent may differ in type; the result has the base's type.
// Mixed float types are computed in double, like numpy's type promotion in the ONNX reference.
template <class T, class E>
T pow_of(T x, E e) {
  if constexpr (std::is_same_v<T, E> && std::is_floating_point_v<T>) {
    return std::pow(x, e);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(std::pow(static_cast<double>(x), static_cast<double>(e)));
  } else if constexpr (std::is_integral_v<E>) {
    return int_pow(x, e);
  } else {
    return saturate_to<T>(std::pow(static_cast<double>(x), static_cast<double>(e)));
  }
}

void pow_op(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& e = ctx.input(1);
  Shape shape = broadcast_shapes({&x.shape(), &e.shape()}, ctx.node.describe());
  visit_dtype(TypeList<float, double, int32_t, int64_t>{}, x.dtype(), ctx.node, [&](auto xt) {
    using T = decltype(xt);
    Tensor y(x.dtype(), shape);
    // x^2 (decomposed LayerNorm's variance) and x^1 as exact multiplications: both are correctly
    // rounded, like pow.
    if (std::is_floating_point_v<T> && e.numel() == 1 && shape == x.shape() &&
        (e.as_double(0) == 2 || e.as_double(0) == 1)) {
      if (e.as_double(0) == 2) unary_map<T, T>(ctx.pool, x, y, [](T v) { return v * v; });
      else unary_map<T, T>(ctx.pool, x, y, [](T v) { return v; });
    } else {
      visit_dtype(NumericTypes{}, e.dtype(), ctx.node, [&](auto et) {
        using E = decltype(et);
        binary_map<T, T, E>(ctx.pool, x, e, y, [](T a, E b) { return pow_of(a, b); }, ctx.node.describe());
      });
    }
    ctx.outputs[0] = y;
  });
}

void max_op(KernelContext& ctx) {
  ctx.outputs[0] =
      fold_inputs<NumericTypes>(ctx, [](auto t) { return [](decltype(t) a, decltype(t) b) { return nan_max(a, b); }; });
}

void min_op(KernelContext& ctx) {
  ctx.outputs[0] =
      fold_inputs<NumericTypes>(ctx, [](auto t) { return [](decltype(t) a, decltype(t) b) { return nan_min(a, b); }; });
}

void sum_op(KernelContext& ctx) {
  ctx.outputs[0] =
      fold_inputs<FloatTypes>(ctx, [](auto t) { return [](decltype(t) a, decltype(t) b) { return a + b; }; });
}

void mean_op(KernelContext& ctx) {
  Tensor y = fold_inputs<FloatTypes>(ctx, [](auto t) { return [](decltype(t) a, decltype(t) b) { return a + b; }; });
  visit_dtype(FloatTypes{}, y.dtype(), ctx.node, [&](auto t) {
    using T = decltype(t);
    const T n = static_cast<T>(ctx.num_inputs());
    unary_map<T, T>(ctx.pool, y, y, [n](T v) { return v / n; });
  });
  ctx.outputs[0] = y;
}

#define OCTET_COMPARE(NAME, TYPES, EXPR)                                                                            \
  void NAME(KernelContext& ctx) {                                                                                   \
    run_binary<TYPES, true>(ctx, [](auto t) { return [](decltype(t) a, decltype(t) b) -> bool { return EXPR; }; }); \
  }
OCTET_COMPARE(equal, NumericBoolTypes, a == b)
OCTET_COMPARE(less, NumericTypes, a < b)
OCTET_COMPARE(greater, NumericTypes, a > b)
OCTET_COMPARE(less_or_equal, NumericTypes, a <= b)
OCTET_COMPARE(greater_or_equal, NumericTypes, a >= b)
OCTET_COMPARE(logical_and, BoolTypes, a&& b)
OCTET_COMPARE(logical_or, BoolTypes, a || b)
OCTET_COMPARE(logical_xor, BoolTypes, a != b)
#undef OCTET_COMPARE

#define OCTET_BITWISE(NAME, OP)                                                                                    \
  void NAME(KernelContext& ctx) {                                                                                  \
    run_binary<IntTypes>(ctx,                                                                                      \
                         [](auto t) { return [](decltype(t) a, decltype(t) b) { return decltype(t)(a OP b); }; }); \
  }
OCTET_BITWISE(bitwise_and, &)
OCTET_BITWISE(bitwise_or, |)
OCTET_BITWISE(bitwise_xor, ^)
#undef OCTET_BITWISE

// BitShift (opset 11): unsigned only; shifting by the bit width or more gives 0.
void bit_shift(KernelContext& ctx) {
  const std::string dir = ctx.node.attr_string("direction", "");
  OCTET_CHECK(dir == "LEFT" || dir == "RIGHT", ctx.node.describe(), ": direction must be LEFT or RIGHT, got '", dir,
              "'");
  const bool left = dir == "LEFT";
  run_binary<UnsignedTypes>(ctx, [left](auto t) {
    using T = decltype(t);
    return [left](T a, T s) {
      if (s >= T(8 * sizeof(T))) return T(0);
      return left ? T(WrapType<T>(a) << s) : T(a >> s);
    };
  });
}

void not_op(KernelContext& ctx) {
  run_unary_op<BoolTypes>(ctx, [](auto) { return [](bool v) { return !v; }; });
}

void bitwise_not(KernelContext& ctx) {
  run_unary_op<IntTypes>(ctx, [](auto t) { return [](decltype(t) v) { return decltype(t)(~v); }; });
}

// Where (opset 9/16): three-way broadcast of condition, X and Y.
void where(KernelContext& ctx) {
  const Tensor& c = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  OCTET_CHECK(c.dtype() == DType::kBool, ctx.node.describe(), ": condition must be bool, got ", dtype_name(c.dtype()));
  check_same_dtype(ctx, 1, 2);
  Shape shape = broadcast_shapes({&c.shape(), &x.shape(), &y.shape()}, ctx.node.describe());
  visit_dtype(NumericBoolTypes{}, x.dtype(), ctx.node, [&](auto t) {
    using T = decltype(t);
    Tensor out(x.dtype(), shape);
    ternary_map<T, bool, T, T>(ctx.pool, c, x, y, out, [](bool k, T a, T b) { return k ? a : b; }, ctx.node.describe());
    ctx.outputs[0] = out;
  });
}

}  // namespace

void register_elementwise_ops(OpRegistry& r) {
  r.add("Add", add);
  r.add("Sub", sub);
  r.add("Mul", mul);
  r.add("Div", div);
  r.add("Mod", mod);
  r.add("Pow", pow_op);
  r.add("Max", max_op);
  r.add("Min", min_op);
  r.add("Sum", sum_op);
  r.add("Mean", mean_op);
  r.add("Equal", equal);
  r.add("Less", less);
  r.add("Greater", greater);
  r.add("LessOrEqual", less_or_equal);
  r.add("GreaterOrEqual", greater_or_equal);
  r.add("And", logical_and);
  r.add("Or", logical_or);
  r.add("Xor", logical_xor);
  r.add("Not", not_op);
  r.add("BitwiseAnd", bitwise_and);
  r.add("BitwiseOr", bitwise_or);
  r.add("BitwiseXor", bitwise_xor);
  r.add("BitwiseNot", bitwise_not);
  r.add("BitShift", bit_shift);
  r.add("Where", where);
}

}  // namespace octet
