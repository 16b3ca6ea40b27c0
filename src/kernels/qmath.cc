#include "kernels/qmath.h"

#include <algorithm>

namespace octet {

template <class Q>
void quantize_span(const float* x, int64_t n, float scale, int32_t zero_point, Q* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = quantize_value<Q>(x[i], scale, zero_point);
}

template <class Q>
void dequantize_span(const Q* q, int64_t n, float scale, int32_t zero_point, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = dequantize_value<Q>(q[i], scale, zero_point);
}

template void quantize_span<int8_t>(const float*, int64_t, float, int32_t, int8_t*);
template void quantize_span<uint8_t>(const float*, int64_t, float, int32_t, uint8_t*);
template void quantize_span<int16_t>(const float*, int64_t, float, int32_t, int16_t*);
template void quantize_span<uint16_t>(const float*, int64_t, float, int32_t, uint16_t*);
template void dequantize_span<int8_t>(const int8_t*, int64_t, float, int32_t, float*);
template void dequantize_span<uint8_t>(const uint8_t*, int64_t, float, int32_t, float*);
template void dequantize_span<int16_t>(const int16_t*, int64_t, float, int32_t, float*);
template void dequantize_span<uint16_t>(const uint16_t*, int64_t, float, int32_t, float*);
template void dequantize_span<int32_t>(const int32_t*, int64_t, float, int32_t, float*);

MinMax range_with_zero(const float* x, int64_t n) {
  // Independent lanes let the compiler vectorize (a single float min/max reduction may not be
  // reordered without -ffast-math). A non-finite v fails v - v == 0 and counts as 0, which the
  // range contains anyway.
  constexpr int kLanes = 16;
  float lo[kLanes] = {}, hi[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      float v = x[i + j];
      v = v - v == 0.0f ? v : 0.0f;
      lo[j] = v < lo[j] ? v : lo[j];
      hi[j] = v > hi[j] ? v : hi[j];
    }
  }
  for (; i < n; ++i) {
    float v = x[i];
    v = v - v == 0.0f ? v : 0.0f;
    lo[0] = std::min(lo[0], v);
    hi[0] = std::max(hi[0], v);
  }
  return {*std::min_element(lo, lo + kLanes), *std::max_element(hi, hi + kLanes)};
}

QParams dynamic_qparams_u8(MinMax range) {
  QParams p;
  p.scale = range.max == range.min ? 1.0f : (range.max - range.min) / 255.0f;
  const float zp = std::clamp(0.0f - range.min / p.scale, 0.0f, 255.0f);
  p.zero_point = static_cast<int32_t>(round_half_even(zp));
  return p;
}

}  // namespace octet
