#include "train/fake_quantize.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/qmath.h"
#include "octet/error.h"

namespace octet::train {

namespace {

std::pair<int32_t, int32_t> code_range(DType dtype) {
  if (dtype == DType::kUInt8) return {0, 255};
  OCTET_CHECK(dtype == DType::kInt8, "fake_quantize: codes must be int8 or uint8, not ", dtype_name(dtype));
  return {-128, 127};
}

// Four lanes in GCC / Clang vector types: plain SSE2 on x86-64, with the scalar code's float
// operations lane by lane (the same bits). Written out because the compiler leaves the scalar loop
// scalar: without -fno-trapping-math (kernel files only) it may not evaluate both sides of a select.
using F4 = float __attribute__((vector_size(16)));
using I4 = int32_t __attribute__((vector_size(16)));
using U4 = uint32_t __attribute__((vector_size(16)));
using B4 = uint8_t __attribute__((vector_size(4)));

// max_ps / min_ps lane by lane (kernels/qmath.h: NaN gives the bound) and round_half_even.
F4 clamp4(F4 v, F4 lo, F4 hi) {
  v = v > lo ? v : lo;
  return v < hi ? v : hi;
}
F4 round_half_even4(F4 v) {
  const F4 magic = F4{} + 12582912.0f;  // 1.5 * 2^23, as round_half_even
  return (v + magic) - magic;
}

// Eqs. (2) then (1) on n elements of one scale s and zero point z. With r = rne(clamp(x / s)) in
// [qmin - z, qmax - z] (round_clamp's order), DQ(Q(x)) = ((r + z) - z) s = r s exactly: the codes
// are small integers, so the float subtraction loses nothing.
void fake_quantize_span(const float* x, int64_t n, float s, int32_t z, int32_t qmin, int32_t qmax, float* y,
                        uint8_t* inside) {
  const F4 sv = F4{} + s, lo = F4{} + static_cast<float>(qmin - z), hi = F4{} + static_cast<float>(qmax - z);
  const F4 big = F4{} + 4194304.0f;  // 2^22: round_half_even's range
  const U4 width = U4{} + static_cast<uint32_t>(qmax - qmin);
  auto lanes = [&](int64_t i, int64_t k) {  // elements i .. i + k - 1, k <= 4
    F4 xv{};
    std::memcpy(&xv, x + i, k * sizeof(float));
    const F4 v = xv / sv;  // eq. (2): x / s in float, as QuantizeLinear
    const F4 yv = round_half_even4(clamp4(v, lo, hi)) * sv;
    // Saturated when rne(v) + z falls outside [qmin, qmax]; NaN is never inside (it clamps to -2^22).
    const I4 unclamped = __builtin_convertvector(round_half_even4(clamp4(v, -big, big)), I4);
    const I4 in = reinterpret_cast<U4>(unclamped - static_cast<int32_t>(qmin - z)) <= width;  // -1 or 0
    const B4 bytes = __builtin_convertvector(-in, B4);
    std::memcpy(y + i, &yv, k * sizeof(float));
    std::memcpy(inside + i, &bytes, k);
  };
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) lanes(i, 4);
  if (i < n) lanes(i, n - i);
}

}  // namespace

FakeQuantized fake_quantize(const Tensor& x, const quant::TensorQParams& qp, ThreadPool* pool) {
  OCTET_CHECK(x.dtype() == DType::kFloat32, "fake_quantize: float32 input expected, got ", dtype_name(x.dtype()));
  const auto [qmin, qmax] = code_range(qp.dtype);
  // Element i belongs to channel (i / inner) % channels: inner is the product of the dims after
  // qp.axis.
  int64_t channels = 1, inner = x.numel();
  if (qp.axis >= 0) {
    OCTET_CHECK(qp.axis < x.rank(), "fake_quantize: axis ", qp.axis, " of a rank-", x.rank(), " tensor");
    channels = x.dim(qp.axis);
    inner = 1;
    for (int d = qp.axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  }
  OCTET_CHECK(static_cast<int64_t>(qp.scale.size()) == channels && qp.zero_point.size() == qp.scale.size(),
              "fake_quantize: ", qp.scale.size(), " scales for ", channels, " channels");
  FakeQuantized r{Tensor::uninitialized(DType::kFloat32, x.shape()), std::vector<uint8_t>(x.numel())};
  const float* src = x.data<float>();
  float* dst = r.y.data<float>();
  uint8_t* inside = r.inside.data();
  // Each element on its own: any split over threads writes the same values.
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {  // one run of a channel's elements at a time
      const int64_t block = i / inner, stop = std::min(end, (block + 1) * inner);
      const int64_t c = block % channels;
      fake_quantize_span(src + i, stop - i, qp.scale[c], qp.zero_point[c], qmin, qmax, dst + i, inside + i);
      i = stop;
    }
  };
  if (pool) pool->parallel_for(x.numel(), grain_for_bytes(9), run);
  else run(0, x.numel());
  return r;
}

QParamGradients qparam_gradients(const Tensor& x, const quant::TensorQParams& qp, const Tensor& grad_y) {
  OCTET_CHECK(qp.scale.size() == 1 && qp.axis < 0, "qparam_gradients: per-tensor qparams expected");
  OCTET_CHECK(grad_y.numel() == x.numel(), "qparam_gradients: ", grad_y.numel(), " gradients for ", x.numel(),
              " elements");
  const auto [qmin, qmax] = code_range(qp.dtype);
  const double s = qp.scale[0], z = qp.zero_point[0];
  const float* xd = x.data<float>();
  const float* g = grad_y.data<float>();
  QParamGradients r;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = xd[i] / qp.scale[0];  // as fake_quantize divides
    const double code = double(round_half_even(min_ps(max_ps(v, -4194304.0f), 4194304.0f))) + z;
    if (code < qmin) {
      r.scale += g[i] * (qmin - z);
      r.zero_point -= g[i] * s;
    } else if (code > qmax) {
      r.scale += g[i] * (qmax - z);
      r.zero_point -= g[i] * s;
    } else {
      r.scale += g[i] * (code - z - double(v));
    }
  }
  return r;
}

Tensor straight_through(const Tensor& grad_y, const std::vector<uint8_t>& inside, ThreadPool* pool) {
  OCTET_CHECK(static_cast<size_t>(grad_y.numel()) == inside.size(), "straight_through: ", grad_y.numel(),
              " gradients for ", inside.size(), " elements");
  Tensor g = Tensor::uninitialized(DType::kFloat32, grad_y.shape());
  const float* src = grad_y.data<float>();
  float* dst = g.data<float>();
  const uint8_t* mask = inside.data();
  auto lanes = [&](int64_t i, int64_t k) {  // elements i .. i + k - 1, k <= 4
    F4 gv{};
    B4 mv{};
    std::memcpy(&gv, src + i, k * sizeof(float));
    std::memcpy(&mv, mask + i, k);
    const F4 r = __builtin_convertvector(mv, I4) != 0 ? gv : F4{};
    std::memcpy(dst + i, &r, k * sizeof(float));
  };
  auto run = [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    for (; i + 4 <= end; i += 4) lanes(i, 4);
    if (i < end) lanes(i, end - i);
  };
  if (pool) pool->parallel_for(grad_y.numel(), grain_for_bytes(9), run);
  else run(0, grad_y.numel());
  return g;
}

}  // namespace octet::train
