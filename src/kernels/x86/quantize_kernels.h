// The x86 element-wise INT8 kernels: QuantizeLinear / DequantizeLinear (quantize__<isa>.cc),
// Int8Add, Int8Mul, requantization and table lookups (qelementwise__<isa>.cc,
// lookup_u8__avx512vbmi.cc). Contract: kernels/ref/qelementwise_ref.h.
#pragma once

#include <cstdint>

namespace octet::kernels {

void quantize_f32_u8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y);
void quantize_f32_s8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, int8_t* y);
void dequantize_u8_f32__avx512bw(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y);
void dequantize_s8_f32__avx512bw(int64_t n, const int8_t* x, float scale, int32_t zp, float* y);
void quantize_f32_u8__avx2(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y);
void quantize_f32_s8__avx2(int64_t n, const float* x, float scale, int32_t zp, int8_t* y);
void dequantize_u8_f32__avx2(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y);
void dequantize_s8_f32__avx2(int64_t n, const int8_t* x, float scale, int32_t zp, float* y);
void qadd_u8__avx512bw(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                       int32_t y_zp, uint8_t* y);
void requantize_u8__avx512bw(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y);
void qmul_u8__avx512bw(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                       int32_t b_zp, float m, int32_t y_zp, uint8_t* y);
void qadd_u8__avx2(int64_t n, const uint8_t* a, int32_t a_zp, float ma, const uint8_t* b, int32_t b_zp, float mb,
                   int32_t y_zp, uint8_t* y);
void requantize_u8__avx2(int64_t n, const uint8_t* x, int32_t x_zp, float multiplier, int32_t y_zp, uint8_t* y);
void qmul_u8__avx2(int64_t n, const uint8_t* a, int64_t a_step, int32_t a_zp, const uint8_t* b, int64_t b_step,
                   int32_t b_zp, float m, int32_t y_zp, uint8_t* y);
void lookup_u8__avx512bw(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);
void lookup_u8__avx512vbmi(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);
void lookup_u8__avx2(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y);

}  // namespace octet::kernels
