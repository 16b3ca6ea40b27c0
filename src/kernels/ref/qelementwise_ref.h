// Scalar reference of the INT8 element-wise kernels (ONNX QuantizeLinear / DequantizeLinear
// numerics: q = saturate(round_half_even(x / scale) + zp), x = (q - zp) * scale). The vector
// kernels in kernels/x86/ do the same float operations in the same order.
#pragma once

#include <cstdint>

namespace octet::kernels {

// T is uint8_t or int8_t; qmin/qmax its range.
template <class T>
void quantize_f32__ref(int64_t n, const float* x, float scale, int32_t zp, T* y);
template <class T>
void dequantize_f32__ref(int64_t n, const T* x, float scale, int32_t zp, float* y);

// y = saturate(round(float(x - x_zp) * multiplier) + y_zp), multiplier = x_scale / y_scale.
void requantize_u8__ref(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y);

// Int8Add: y = saturate(round(float(a - a_zp) * ma + float(b - b_zp) * mb) + y_zp), ma = sa / sy.
void qadd_u8__ref(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                  int32_t y_zp, uint8_t* y);
// The same over one broadcast segment: a and b advance by a_step / b_step elements (1 or 0).
void qadd_u8_steps__ref(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, float ma, const uint8_t* b,
                        int64_t b_step, int32_t b_zp, float mb, int32_t y_zp, uint8_t* y);
// Int8Mul: y = saturate(round(float((a - a_zp) * (b - b_zp)) * m) + y_zp), m = sa * sb / sy (the
// integer product is exact in float: |(a - a_zp)(b - b_zp)| <= 255^2). a and b advance by a_step /
// b_step elements, 1 or 0 (one element repeated: a broadcast operand).
void qmul_u8__ref(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                  int32_t b_zp, float m, int32_t y_zp, uint8_t* y);

// Int8Lookup: y = table[x], a 256-entry table of uint8 codes.
void lookup_u8__ref(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);

}  // namespace octet::kernels
