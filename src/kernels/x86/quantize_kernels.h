// The x86 QuantizeLinear / DequantizeLinear kernels (contract: kernels/ref/qelementwise_ref.h).
#pragma once

#include <cstdint>

namespace octet::kernels {

void quantize_f32_u8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y);
void quantize_f32_s8__avx512bw(int64_t n, const float* x, float scale, int32_t zp, int8_t* y);
void dequantize_u8_f32__avx512bw(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y);
void dequantize_s8_f32__avx512bw(int64_t n, const int8_t* x, float scale, int32_t zp, float* y);

}  // namespace octet::kernels
