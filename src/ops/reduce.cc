// Reduce ops (ONNX opsets 11..21): ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
// ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp.
// Axes are an attribute before opset 13 (ReduceSum) or 18 (the others), an optional int64 input
// from then on, where noop_with_empty_axes=1 with no axes reduces nothing (each element is its
// own set, so ReduceSumSquare still squares, as in the ONNX reference). Otherwise no axes means
// all axes. An empty set reduces to the identity: 0 for sums, 1 for Prod, -inf/+inf (or the
// type's lowest/highest) for Max/Min, NaN for Mean, -inf for LogSum and LogSumExp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/map.h"
#include "ops/strip.h"

namespace octet {

namespace {

enum class Kind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

// The reduction as map (per element), combine (associative, with identity init) and post (on the
// combined value and the number of elements reduced).
template <Kind K, class T>
struct Reduction {
  static constexpr bool kMinMax = K == Kind::kMax || K == Kind::kMin;
  using Acc = std::conditional_t<kMinMax, T, std::conditional_t<K == Kind::kLogSumExp, double, WrapType<T>>>;

  static Acc init() {
    if constexpr (K == Kind::kMax)
      return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                  : std::numeric_limits<T>::lowest();
    if constexpr (K == Kind::kMin)
      return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
    return K == Kind::kProd ? Acc(1) : Acc(0);
  }
  static Acc map(T x) {
    if constexpr (K == Kind::kL1) return x < T(0) ? Acc(Acc(0) - Acc(x)) : Acc(x);
    if constexpr (K == Kind::kL2 || K == Kind::kSumSquare) return Acc(Acc(x) * Acc(x));
    if constexpr (K == Kind::kLogSumExp) return std::exp(static_cast<double>(x));
    return Acc(x);
  }
  static Acc combine(Acc a, Acc b) {
    if constexpr (K == Kind::kMax) return nan_max(a, b);
    if constexpr (K == Kind::kMin) return nan_min(a, b);
    if constexpr (K == Kind::kProd) return Acc(a * b);
    return Acc(a + b);
  }
  static T post(Acc a, int64_t count) {
    if constexpr (K == Kind::kMean) {
      if constexpr (std::is_integral_v<T>) return count ? T(T(a) / static_cast<T>(count)) : T(0);
      return T(a / static_cast<T>(count));
    }
    if constexpr (K == Kind::kL2) return static_cast<T>(std::sqrt(static_cast<double>(T(a))));
    if constexpr (K == Kind::kLogSum || K == Kind::kLogSumExp) return static_cast<T>(std::log(static_cast<double>(a)));
    return T(a);
  }
};

// The input seen as groups of merged dimensions, each kept or reduced, outermost first.
struct Groups {
  std::vector<int64_t> size, stride;
  std::vector<bool> reduced;
};

Groups merge_groups(const Shape& shape, const std::vector<bool>& is_reduced) {
  Groups g;
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    if (!g.size.empty() && g.reduced.back() == is_reduced[d]) {
      g.size.back() *= shape[d];
    } else {
      g.size.push_back(shape[d]);
      g.stride.push_back(stride);
      g.reduced.push_back(is_reduced[d]);
    }
    stride *= shape[d];
  }
  std::reverse(g.size.begin(), g.size.end());
  std::reverse(g.stride.begin(), g.stride.end());
  std::reverse(g.reduced.begin(), g.reduced.end());
  return g;
}

// Calls fn(offset) for every combination of the dimensions (sizes, strides), in row-major order.
template <class F>
void for_each_offset(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, int64_t index, F fn) {
  int64_t off = 0;
  for (size_t d = sizes.size(); d-- > 0;) {
    off += index % sizes[d] * strides[d];
    index /= sizes[d];
  }
  fn(off);
}

template <Kind K, class T>
void reduce_into(ThreadPool& pool, const Tensor& x, const std::vector<bool>& is_reduced, Tensor& y) {
  using R = Reduction<K, T>;
  using Acc = typename R::Acc;
  const T* px = x.data<T>();
  T* py = y.data<T>();
  const int64_t out_n = y.numel();
  if (x.numel() == 0) {  // empty sets (or no output at all)
    for (int64_t i = 0; i < out_n; ++i) py[i] = R::post(R::init(), 0);
    return;
  }
  const int64_t count = x.numel() / out_n;
  Groups g = merge_groups(x.shape(), is_reduced);
  const bool inner_reduced = !g.size.empty() && g.reduced.back();
  const int64_t inner = g.size.empty() ? 1 : g.size.back();
  // Outer kept and reduced dimensions (the innermost group is handled by the loops below).
  std::vector<int64_t> ks, kst, rs, rst;
  for (size_t i = 0; i + 1 < g.size.size(); ++i) {
    (g.reduced[i] ? rs : ks).push_back(g.size[i]);
    (g.reduced[i] ? rst : kst).push_back(g.stride[i]);
  }
  int64_t n_outer_red = 1;
  for (int64_t s : rs) n_outer_red *= s;
  if (inner_reduced) {
    // Each output reduces contiguous strips of `inner` elements.
    const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / count);
    pool.parallel_for(out_n, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        for_each_offset(ks, kst, o, [&](int64_t base) {
          Acc acc = R::init();
          for (int64_t r = 0; r < n_outer_red; ++r)
            for_each_offset(rs, rst, r, [&](int64_t roff) {
              acc = R::combine(acc, strip_reduce<Acc>(px + base + roff, inner, R::init(), R::map, R::combine));
            });
          py[o] = R::post(acc, count);
        });
      }
    });
  } else {
    // Each output row of `inner` contiguous elements accumulates whole input rows.
    const int64_t rows = out_n / inner;
    const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (count * inner));
    pool.parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      std::vector<Acc> acc(inner);
      for (int64_t row = b; row < e; ++row) {
        for_each_offset(ks, kst, row, [&](int64_t base) {
          std::fill(acc.begin(), acc.end(), R::init());
          for (int64_t r = 0; r < n_outer_red; ++r)
            for_each_offset(rs, rst, r, [&](int64_t roff) {
              const T* src = px + base + roff;
              for (int64_t j = 0; j < inner; ++j) acc[j] = R::combine(acc[j], R::map(src[j]));
            });
          for (int64_t j = 0; j < inner; ++j) py[row * inner + j] = R::post(acc[j], count);
        });
      }
    });
  }
}

// The axes to reduce, from the attribute or input 1 depending on the opset.
std::vector<int64_t> reduce_axes(const KernelContext& ctx, bool axes_as_input) {
  if (!axes_as_input) return ctx.node.attr_ints("axes", {});
  const Tensor* a = ctx.optional_input(1);
  if (!a) return {};
  OCTET_CHECK(a->dtype() == DType::kInt64 && a->rank() <= 1, ctx.node.describe(),
              ": axes must be a 1-D int64 tensor, got ", dtype_name(a->dtype()), " ", shape_str(a->shape()));
  return a->to_int64_vector();
}

template <Kind K, class Types>
void reduce(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int r = x.rank();
  const bool axes_as_input = ctx.node.opset >= (K == Kind::kSum ? 13 : 18);
  std::vector<int64_t> axes = reduce_axes(ctx, axes_as_input);
  const bool keepdims = ctx.node.attr_int("keepdims", 1) != 0;
  const bool noop = axes_as_input && ctx.node.attr_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> is_reduced(r, axes.empty() && !noop);
  for (int64_t a : axes) {
    OCTET_CHECK(a >= -r && a < r, ctx.node.describe(), ": axis ", a, " out of range for input of rank ", r);
    int64_t n = a < 0 ? a + r : a;
    OCTET_CHECK(!is_reduced[n], ctx.node.describe(), ": axis ", a, " is repeated");
    is_reduced[n] = true;
  }
  Shape out_shape;
  for (int d = 0; d < r; ++d) {
    if (!is_reduced[d]) out_shape.push_back(x.shape()[d]);
    else if (keepdims) out_shape.push_back(1);
  }
  visit_dtype(Types{}, x.dtype(), ctx.node, [&](auto t) {
    using T = decltype(t);
    Tensor y(x.dtype(), out_shape);
    reduce_into<K, T>(ctx.pool, x, is_reduced, y);
    ctx.outputs[0] = y;
  });
}

using SumTypes = TypeList<float, double, int32_t, int64_t, uint32_t, uint64_t>;

}  // namespace

void register_reduce_ops(OpRegistry& r) {
  r.add("ReduceSum", reduce<Kind::kSum, SumTypes>);
  r.add("ReduceMean", reduce<Kind::kMean, SumTypes>);
  r.add("ReduceMax", reduce<Kind::kMax, NumericTypes>);
  r.add("ReduceMin", reduce<Kind::kMin, NumericTypes>);
  r.add("ReduceProd", reduce<Kind::kProd, SumTypes>);
  r.add("ReduceL1", reduce<Kind::kL1, SumTypes>);
  r.add("ReduceL2", reduce<Kind::kL2, SumTypes>);
  r.add("ReduceSumSquare", reduce<Kind::kSumSquare, SumTypes>);
  r.add("ReduceLogSum", reduce<Kind::kLogSum, FloatTypes>);
  r.add("ReduceLogSumExp", reduce<Kind::kLogSumExp, FloatTypes>);
}

}  // namespace octet
