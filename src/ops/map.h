// Element-wise drivers shared by the activation, unary and elementwise op families: dtype
// dispatch over a list of C++ types, and parallel maps over one, two or three (broadcast) inputs.
// The per-segment loops are written so the compiler vectorizes them.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/thread_pool.h"
#include "kernels/vmath.h"
#include "octet/graph.h"
#include "octet/tensor.h"
#include "ops/broadcast.h"
#include "ops/registry.h"

namespace octet {

// Work below this many elements stays on one thread (the cost of waking a worker).
inline constexpr int64_t kElementwiseGrain = 16384;

template <class... Ts>
struct TypeList {};
using FloatTypes = TypeList<float, double>;
using SignedTypes = TypeList<float, double, int8_t, int16_t, int32_t, int64_t>;
using NumericTypes = TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, int64_t, uint32_t, uint64_t>;
using NumericBoolTypes =
    TypeList<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, int64_t, uint32_t, uint64_t, bool>;

// Calls f(T{}) for the T in the list whose dtype is `t`; octet::Error naming the node otherwise.
template <class... Ts, class F>
void visit_dtype(TypeList<Ts...>, DType t, const Node& node, F&& f) {
  bool done = ((t == dtype_of<Ts>() ? (f(Ts{}), true) : false) || ...);
  OCTET_CHECK(done, node.describe(), ": unsupported input type ", dtype_name(t));
}

// Integer arithmetic that wraps like ONNX Runtime and numpy instead of overflowing (undefined
// behaviour in C++): computed in an unsigned type at least as wide as int.
template <class T, bool = std::is_integral_v<T> && !std::is_same_v<T, bool>>
struct Wrap {
  using type = T;
};
template <class T>
struct Wrap<T, true> {
  using type = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;
};
template <class T>
using WrapType = typename Wrap<T>::type;

// out[i] = f(in[i]) over all elements, split over the pool.
template <class O, class I, class F>
void unary_map(ThreadPool& pool, const Tensor& in, Tensor& out, F f) {
  const I* x = in.data<I>();
  O* y = out.data<O>();
  pool.parallel_for(in.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
  });
}

// out = f(a, b) with multidirectional broadcasting; `out` already has the broadcast shape.
template <class O, class A, class B, class F>
void binary_map(ThreadPool& pool, const Tensor& a, const Tensor& b, Tensor& out, F f, const std::string& who) {
  BroadcastPlan plan(out.shape(), {&a.shape(), &b.shape()}, who);
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  O* po = out.data<O>();
  const bool sa = plan.step(0), sb = plan.step(1);
  pool.parallel_for(plan.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    plan.for_segments(begin, end, [&](int64_t o, const int64_t* off, int64_t n) {
      O* y = po + o;
      const A* x0 = pa + off[0];
      const B* x1 = pb + off[1];
      if (sa && sb) {
        for (int64_t i = 0; i < n; ++i) y[i] = f(x0[i], x1[i]);
      } else if (sa) {
        const B v = *x1;
        for (int64_t i = 0; i < n; ++i) y[i] = f(x0[i], v);
      } else if (sb) {
        const A v = *x0;
        for (int64_t i = 0; i < n; ++i) y[i] = f(v, x1[i]);
      } else {
        const O v = f(*x0, *x1);
        for (int64_t i = 0; i < n; ++i) y[i] = v;
      }
    });
  });
}

// out = f(a, b, c) with three-way broadcasting (Where, Clip with tensor bounds).
template <class O, class A, class B, class C, class F>
void ternary_map(ThreadPool& pool, const Tensor& a, const Tensor& b, const Tensor& c, Tensor& out, F f,
                 const std::string& who) {
  BroadcastPlan plan(out.shape(), {&a.shape(), &b.shape(), &c.shape()}, who);
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  const C* pc = c.data<C>();
  O* po = out.data<O>();
  const int64_t sa = plan.step(0), sb = plan.step(1), sc = plan.step(2);
  pool.parallel_for(plan.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    plan.for_segments(begin, end, [&](int64_t o, const int64_t* off, int64_t n) {
      O* y = po + o;
      const A* x0 = pa + off[0];
      const B* x1 = pb + off[1];
      const C* x2 = pc + off[2];
      if (sa && sb && sc) {
        for (int64_t i = 0; i < n; ++i) y[i] = f(x0[i], x1[i], x2[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) y[i] = f(x0[i * sa], x1[i * sb], x2[i * sc]);
      }
    });
  });
}

}  // namespace octet

namespace octet {

// For a float32 input, the array kernel `pick(kernels::vmath())` (vectorized for this CPU) over
// chunks split on the pool; other float types use make(T{}) as run_unary_op does.
template <class Pick, class Make>
void run_float_array_op(KernelContext& ctx, Pick pick, Make make);

// The body of a one-input, one-output op whose output has the input's dtype and shape:
// make(T{}) returns the element function for the input's type T (one of `Types`).
template <class Types, class Make>
void run_unary_op(KernelContext& ctx, Make make) {
  const Tensor& x = ctx.input(0);
  visit_dtype(Types{}, x.dtype(), ctx.node, [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::uninitialized(x.dtype(), x.shape());
    unary_map<T, T>(ctx.pool, x, y, make(tag));
    ctx.outputs[0] = y;
  });
}

template <class Pick, class Make>
void run_float_array_op(KernelContext& ctx, Pick pick, Make make) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::kFloat32) return run_unary_op<FloatTypes>(ctx, make);
  Tensor y = Tensor::uninitialized(x.dtype(), x.shape());
  const kernels::VmathFn fn = pick(kernels::vmath());
  const float* px = x.data<float>();
  float* py = y.data<float>();
  ctx.pool.parallel_for(x.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) { fn(e - b, px + b, py + b); });
  ctx.outputs[0] = y;
}

}  // namespace octet
