// Softmax and LogSoftmax (ONNX opsets 11..21), and com.octet MaskedSoftmax.
// Opset < 13: the input is coerced to 2-D [prod(shape[:axis]), prod(shape[axis:])] (axis default
// 1) and normalized per row. Opset >= 13: normalized along `axis` alone (default -1).
// Numerically stable: the axis maximum is subtracted before exp, as in the ONNX reference, so a
// row holding NaN or +inf gives NaN, and a row of -inf gives NaN too (-inf - -inf).
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ir/octet_ops.h"
#include "kernels/fast_math.h"
#include "ops/broadcast.h"
#include "ops/map.h"
#include "ops/softmax.h"
#include "ops/strip.h"

namespace octet {

namespace {

// One contiguous row of n elements (float Softmax rows go to kernels/vmath.h's vectorized twin).
template <class T, bool kLog>
void softmax_row(const T* x, T* y, int64_t n) {
  const T m = strip_reduce<T>(
      x, n, -std::numeric_limits<T>::infinity(), [](T v) { return v; }, [](T a, T b) { return a > b ? a : b; });
  for (int64_t i = 0; i < n; ++i) y[i] = fast_exp(x[i] - m);
  const T sum = strip_reduce<T>(y, n, T(0), [](T v) { return v; }, [](T a, T b) { return a + b; });
  if (kLog) {
    const T shift = m + std::log(sum);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - shift;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] /= sum;
  }
}

// n rows of `inner` elements each, normalized down the columns (axis not innermost); the loops
// run along the contiguous inner dimension. m and sum are scratch of `inner` elements.
template <class T, bool kLog>
void softmax_columns(const T* x, T* y, int64_t n, int64_t inner, T* m, T* sum) {
  std::fill(m, m + inner, -std::numeric_limits<T>::infinity());
  std::fill(sum, sum + inner, T(0));
  for (int64_t a = 0; a < n; ++a)
    for (int64_t j = 0; j < inner; ++j) m[j] = x[a * inner + j] > m[j] ? x[a * inner + j] : m[j];
  for (int64_t a = 0; a < n; ++a)
    for (int64_t j = 0; j < inner; ++j) {
      y[a * inner + j] = fast_exp(x[a * inner + j] - m[j]);
      sum[j] += y[a * inner + j];
    }
  if (kLog) {
    for (int64_t j = 0; j < inner; ++j) sum[j] = m[j] + std::log(sum[j]);
    for (int64_t a = 0; a < n; ++a)
      for (int64_t j = 0; j < inner; ++j) y[a * inner + j] = x[a * inner + j] - sum[j];
  } else {
    for (int64_t a = 0; a < n; ++a)
      for (int64_t j = 0; j < inner; ++j) y[a * inner + j] /= sum[j];
  }
}

}  // namespace

SoftmaxExtent softmax_extent(const Node& node, const Shape& x) {
  const int r = static_cast<int>(x.size());
  const bool coerce_2d = node.opset < 13;
  int64_t axis = node.attr_int("axis", coerce_2d ? 1 : -1);
  OCTET_CHECK(axis >= -r && axis < r, node.describe(), ": axis ", axis, " out of range for input of rank ", r);
  if (axis < 0) axis += r;
  SoftmaxExtent e;
  for (int d = 0; d < r; ++d) (d < axis ? e.outer : d == axis || coerce_2d ? e.n : e.inner) *= x[d];
  return e;
}

namespace {

template <bool kLog>
void softmax(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto [outer, n, inner] = softmax_extent(ctx.node, x.shape());
  visit_dtype(FloatTypes{}, x.dtype(), ctx.node, [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::uninitialized(x.dtype(), x.shape());
    ctx.outputs[0] = y;
    // Nothing to normalize, however many rows or columns the other dims declare (2^40: a hang).
    if (y.numel() == 0) return;
    const T* px = x.data<T>();
    T* py = y.data<T>();
    const int64_t block = n * inner;
    const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(block, 1));
    ctx.pool.parallel_for(outer, grain, [&](int64_t b, int64_t e) {
      std::vector<T> scratch(inner == 1 ? 0 : 2 * inner);
      for (int64_t o = b; o < e; ++o) {
        if (inner == 1 && !kLog && std::is_same_v<T, float>)
          kernels::vmath().softmax(n, reinterpret_cast<const float*>(px + o * block),
                                   reinterpret_cast<float*>(py + o * block));  // T is float here
        else if (inner == 1) softmax_row<T, kLog>(px + o * block, py + o * block, n);
        else softmax_columns<T, kLog>(px + o * block, py + o * block, n, inner, scratch.data(), scratch.data() + inner);
      }
    });
  });
}

// com.octet MaskedSoftmax(X, Mask), attribute `scale` (optional): Softmax(X * scale + Mask) over
// the last axis, X and Mask broadcasting together (passes/fuse_masked_softmax.h). Attention's
// scaling, additive mask and softmax in one pass over the scores instead of three, with the same
// float operations in the same order as Mul, Add and Softmax.
void masked_softmax(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& mask = ctx.input(1);
  const std::string who = ctx.node.describe() + ": ";
  OCTET_CHECK(x.dtype() == DType::kFloat32 && mask.dtype() == DType::kFloat32, who, "X and Mask must be float32");
  const Shape out = broadcast_shapes({&x.shape(), &mask.shape()}, who);
  OCTET_CHECK(!out.empty(), who, "X and Mask are scalars: no axis to normalize");
  const BroadcastPlan plan(out, {&x.shape(), &mask.shape()}, who);
  // x * 1 is x, bit for bit: an absent scale multiplies by 1.
  const float scale = ctx.node.attr_float("scale", 1.0f);
  Tensor y = Tensor::uninitialized(DType::kFloat32, out);
  const int64_t n = out.back(), rows = n ? plan.numel() / n : 0;
  const float *px = x.data<float>(), *pm = mask.data<float>();
  float* py = y.data<float>();
  const int64_t sx = plan.step(0), sm = plan.step(1);
  const auto& row_kernel = kernels::vmath().masked_softmax;
  ctx.pool.parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)),
                        [&](int64_t b, int64_t e) {
                          std::vector<float> repeated(sx ? 0 : n);  // X constant along the axis (it broadcasts there)
                          // Segments hold whole rows: the last axis lies inside the plan's innermost merged dims.
                          plan.for_segments(b * n, e * n, [&](int64_t o, const int64_t* in, int64_t len) {
                            for (int64_t j = 0; j < len; j += n) {
                              const float* xr = px + in[0] + j * sx;
                              if (!sx) std::fill(repeated.begin(), repeated.end(), *xr), xr = repeated.data();
                              row_kernel(n, xr, scale, pm + in[1] + j * sm, sm, py + o + j);
                            }
                          });
                        });
  ctx.outputs[0] = y;
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  r.add("Softmax", softmax<false>);
  r.add("LogSoftmax", softmax<true>);
  r.add(octet_op::kMaskedSoftmax, masked_softmax, kOctetDomain);
}

}  // namespace octet
