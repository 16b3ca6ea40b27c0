#include "quant/weight_quant.h"

#include <algorithm>
#include <cmath>

#include "kernels/qmath.h"

namespace octet::quant {

namespace {

// Calls fn(channel, first flat index, run length) for each run of `w`'s elements that share a
// channel of `axis` (w viewed as [outer, axis_len, inner]); the channel is 0 throughout when
// axis is -1.
template <class Fn>
void for_each_channel_run(const Tensor& w, int axis, Fn&& fn) {
  if (axis < 0) {
    fn(int64_t{0}, int64_t{0}, w.numel());
    return;
  }
  int64_t inner = 1;
  for (int d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
  const int64_t axis_len = w.dim(axis), outer = axis_len * inner != 0 ? w.numel() / (axis_len * inner) : 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < axis_len; ++c) fn(c, (o * axis_len + c) * inner, inner);
}

}  // namespace

int weight_channel_axis(const Node& n, int weight_rank) {
  if (n.op_type == "Conv") return 0;
  if (n.op_type == "Gemm") return n.attr_int("transB", 0) ? 0 : 1;
  if (n.op_type == "MatMul") return weight_rank - 1;
  if (n.op_type == "ConvTranspose" || n.op_type == "LSTM" || n.op_type == "GRU") return 1;
  return -1;
}

TensorQParams weight_qparams(const Tensor& w, const QScheme& scheme, const std::string& what) {
  const float* d = w.data<float>();
  for (int64_t i = 0; i < w.numel(); ++i)
    OCTET_CHECK(std::isfinite(d[i]), what, " holds ", d[i], " at flat index ", i,
                ": cannot quantize a non-finite weight");
  const int64_t channels = scheme.ch_axis >= 0 ? w.dim(scheme.ch_axis) : 1;
  std::vector<float> lo(channels, 0.0f), hi(channels, 0.0f);
  for_each_channel_run(w, scheme.ch_axis, [&](int64_t c, int64_t first, int64_t len) {
    for (int64_t i = first; i < first + len; ++i) {
      lo[c] = std::min(lo[c], d[i]);
      hi[c] = std::max(hi[c], d[i]);
    }
  });
  return qparams_from_range(lo, hi, scheme);
}

Tensor quantize_weight(const Tensor& w, const TensorQParams& qp) {
  Tensor codes(DType::kInt8, w.shape());
  for_each_channel_run(w, qp.axis, [&](int64_t c, int64_t first, int64_t len) {
    quantize_span<int8_t>(w.data<float>() + first, len, qp.scale[c], qp.zero_point[c], codes.data<int8_t>() + first);
  });
  return codes;
}

Tensor scale_tensor(const TensorQParams& qp) {
  if (qp.axis < 0) return Tensor::scalar<float>(qp.scale.at(0));
  return Tensor::from_vector<float>({static_cast<int64_t>(qp.scale.size())}, qp.scale);
}

Tensor zero_point_tensor(const TensorQParams& qp) {
  Shape shape = qp.axis >= 0 ? Shape{static_cast<int64_t>(qp.zero_point.size())} : Shape{};
  Tensor t(qp.dtype, shape);
  for (size_t i = 0; i < qp.zero_point.size(); ++i) {
    if (qp.dtype == DType::kUInt8) t.data<uint8_t>()[i] = static_cast<uint8_t>(qp.zero_point[i]);
    else if (qp.dtype == DType::kInt8) t.data<int8_t>()[i] = static_cast<int8_t>(qp.zero_point[i]);
    else t.data<int32_t>()[i] = qp.zero_point[i];
  }
  return t;
}

void fit_weight_scales_to_bias(std::span<const float> bias, float x_scale, std::vector<float>& w_scale,
                               const std::string& what) {
  for (size_t c = 0; c < bias.size(); ++c)
    OCTET_CHECK(std::isfinite(bias[c]), what, " holds ", bias[c], " at index ", c,
                ": cannot quantize a non-finite bias");
  for (size_t c = 0; c < bias.size(); ++c) {
    const double need = std::fabs(bias[c]) / (double(x_scale) * kMaxBiasCode);
    float& s = w_scale[w_scale.size() == 1 ? 0 : c];
    if (!(s < need)) continue;
    // need rounded to float, and s_x * s rounded again, may leave the code a hair over the limit.
    s = static_cast<float>(need);
    while (!(std::fabs(bias_code(bias[c], x_scale * s)) <= kMaxBiasCode)) s = std::nextafter(s, INFINITY);
  }
}

double bias_code(float b, float bias_scale) { return std::nearbyint(double(b) / bias_scale); }

bool quantize_bias(std::span<const float> bias, float x_scale, std::span<const float> w_scale, int32_t* codes) {
  for (size_t c = 0; c < bias.size(); ++c) {
    const double v = bias_code(bias[c], x_scale * w_scale[w_scale.size() == 1 ? 0 : c]);
    if (!(std::fabs(v) <= kMaxBiasCode)) return false;
    codes[c] = static_cast<int32_t>(v);
  }
  return true;
}

}  // namespace octet::quant
