#include "train/fake_quantize.h"

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

}  // namespace

FakeQuantized fake_quantize(const Tensor& x, const quant::TensorQParams& qp) {
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
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = (i / inner) % channels;
    const float s = qp.scale[c];
    const int32_t z = qp.zero_point[c];
    const float v = src[i] / s;  // eq. (2): x / s in float, as QuantizeLinear
    const int32_t q = round_clamp(v, z, qmin, qmax);
    // Saturated when rne(v) + z falls outside [qmin, qmax]; NaN is never inside.
    const float unclamped = round_half_even(min_ps(max_ps(v, -4194304.0f), 4194304.0f)) + static_cast<float>(z);
    r.inside[i] = unclamped >= static_cast<float>(qmin) && unclamped <= static_cast<float>(qmax);
    dst[i] = dequantize_value<int32_t>(q, s, z);  // eq. (1)
  }
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

Tensor straight_through(const Tensor& grad_y, const std::vector<uint8_t>& inside) {
  OCTET_CHECK(static_cast<size_t>(grad_y.numel()) == inside.size(), "straight_through: ", grad_y.numel(),
              " gradients for ", inside.size(), " elements");
  Tensor g = Tensor::uninitialized(DType::kFloat32, grad_y.shape());
  const float* src = grad_y.data<float>();
  float* dst = g.data<float>();
  for (size_t i = 0; i < inside.size(); ++i) dst[i] = inside[i] ? src[i] : 0.0f;
  return g;
}

}  // namespace octet::train
