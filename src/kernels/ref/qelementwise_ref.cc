#include "kernels/ref/qelementwise_ref.h"

#include <limits>

#include "kernels/ref/requant.h"

namespace octet::kernels {

template <class T>
void quantize_f32__ref(int64_t n, const float* x, float scale, int32_t zp, T* y) {
  constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (int64_t i = 0; i < n; ++i) y[i] = T(round_clamp(x[i] / scale, zp, lo, hi));
}

template <class T>
void dequantize_f32__ref(int64_t n, const T* x, float scale, int32_t zp, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = float(int32_t(x[i]) - zp) * scale;
}

template void quantize_f32__ref<uint8_t>(int64_t, const float*, float, int32_t, uint8_t*);
template void quantize_f32__ref<int8_t>(int64_t, const float*, float, int32_t, int8_t*);
template void dequantize_f32__ref<uint8_t>(int64_t, const uint8_t*, float, int32_t, float*);
template void dequantize_f32__ref<int8_t>(int64_t, const int8_t*, float, int32_t, float*);

void requantize_u8__ref(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = uint8_t(round_clamp(float(x[i] - x_zp) * multiplier, y_zp, 0, 255));
}

void qadd_u8__ref(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                  int32_t y_zp, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) {
    float pa = float(a[i] - a_zp) * ma, pb = float(b[i] - b_zp) * mb;  // two roundings, then the sum
    y[i] = uint8_t(round_clamp(pa + pb, y_zp, 0, 255));
  }
}

void qmul_u8__ref(int64_t n, const uint8_t* a, int32_t a_zp, const uint8_t* b, int32_t b_zp, float m, int32_t y_zp,
                  uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = uint8_t(round_clamp(float((a[i] - a_zp) * (b[i] - b_zp)) * m, y_zp, 0, 255));
}

}  // namespace octet::kernels
