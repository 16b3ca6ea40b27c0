#include "kernels/ref/qelementwise_ref.h"

#include <algorithm>
#include <limits>

#include "kernels/qmath.h"

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

void qadd_u8_steps__ref(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, float ma, const uint8_t* b,
                        int64_t b_step, int32_t b_zp, float mb, int32_t y_zp, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) {
    float pa = float(a[i * a_step] - a_zp) * ma, pb = float(b[i * b_step] - b_zp) * mb;  // two roundings, then the sum
    y[i] = uint8_t(round_clamp(pa + pb, y_zp, 0, 255));
  }
}

void qadd_u8__ref(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                  int32_t y_zp, uint8_t* y) {
  qadd_u8_steps__ref(n, a, 1, a_zp, ma, b, 1, b_zp, mb, y_zp, y);
}

void qmul_u8__ref(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                  int32_t b_zp, float m, int32_t y_zp, uint8_t* y) {
  auto mul = [&](int32_t da, int32_t db) { return uint8_t(round_clamp(float(da * db) * m, y_zp, 0, 255)); };
  // Separate loops so that each vectorizes: both operands advancing, or one of them repeated.
  if (a_step && b_step) {
    for (int64_t i = 0; i < n; ++i) y[i] = mul(a[i] - a_zp, b[i] - b_zp);
  } else if (a_step) {
    const int32_t db = b[0] - b_zp;
    for (int64_t i = 0; i < n; ++i) y[i] = mul(a[i] - a_zp, db);
  } else if (b_step) {
    const int32_t da = a[0] - a_zp;
    for (int64_t i = 0; i < n; ++i) y[i] = mul(da, b[i] - b_zp);
  } else {
    std::fill(y, y + n, mul(a[0] - a_zp, b[0] - b_zp));
  }
}

void lookup_u8__ref(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = table[x[i]];
}

}  // namespace octet::kernels
