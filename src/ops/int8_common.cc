#include "ops/int8_common.h"

#include <cmath>

#include "ops/strided_copy.h"

namespace octet {

float scale_attr(const Node& node, const char* key) {
  OCTET_CHECK(node.has_attr(key), node.describe(), ": missing attribute '", key, "'");
  const float s = node.attr_float(key, 1);
  OCTET_CHECK(std::isfinite(s) && s > 0, node.describe(), ": ", key, " ", s, " is not a positive finite scale");
  return s;
}

uint8_t code_attr(const Node& node, const char* key, int64_t def) {
  const int64_t v = node.attr_int(key, def);
  OCTET_CHECK(v >= 0 && v <= 255, node.describe(), ": ", key, " ", v, " is not a uint8 code");
  return static_cast<uint8_t>(v);
}

Int8Params int8_params(const Node& node) {
  Int8Params q;
  q.x_scale = scale_attr(node, "x_scale");
  q.y_scale = scale_attr(node, "y_scale");
  q.x_zp = code_attr(node, "x_zero_point");
  q.y_zp = code_attr(node, "y_zero_point");
  q.qmin = code_attr(node, "qmin", 0);
  q.qmax = code_attr(node, "qmax", 255);
  OCTET_CHECK(q.qmin <= q.qmax, node.describe(), ": qmin ", q.qmin, " > qmax ", q.qmax);
  return q;
}

void transpose_planes_u8(const uint8_t* x, int64_t n, int64_t rows, int64_t cols, uint8_t* y, ThreadPool& pool) {
  strided_copy(y, x, {n, cols, rows}, {rows * cols, 1, cols}, 1, pool);
}

ChannelConstants channel_constants(const Node& node, const Tensor& w_scale, const Tensor* w_zp, const Tensor* bias,
                                   int64_t channels, const Int8Params& q) {
  OCTET_CHECK(w_scale.dtype() == DType::kFloat32 && (w_scale.numel() == 1 || w_scale.numel() == channels),
              node.describe(), ": w_scale must be float32 with 1 or ", channels, " values");
  ChannelConstants k;
  for (int64_t c = 0; c < channels; ++c) {
    const float ws = w_scale.data<float>()[w_scale.numel() == 1 ? 0 : c];
    OCTET_CHECK(std::isfinite(ws) && ws > 0, node.describe(), ": w_scale ", ws, " is not a positive finite scale");
    // The requantization multiplier of docs/static_ptq.md: acc * (x_s * w_s / y_s).
    k.multiplier.push_back(q.x_scale * ws / q.y_scale);
  }
  if (w_zp) {
    OCTET_CHECK(w_zp->dtype() == DType::kInt8 && (w_zp->numel() == 1 || w_zp->numel() == channels), node.describe(),
                ": w_zero_point must be int8 with 1 or ", channels, " values");
    k.w_zero_point.assign(w_zp->data<int8_t>(), w_zp->data<int8_t>() + w_zp->numel());
  }
  if (bias) {
    OCTET_CHECK(bias->dtype() == DType::kInt32 && bias->numel() == channels, node.describe(),
                ": bias must be int32 with ", channels, " values");
    k.bias.assign(bias->data<int32_t>(), bias->data<int32_t>() + channels);
  }
  return k;
}

}  // namespace octet
