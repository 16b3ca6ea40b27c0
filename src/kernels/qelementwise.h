// INT8 element-wise kernels and data movement: the entry points the lowering pass calls.
// Numerics: kernels/ref/qelementwise_ref.h (ONNX QuantizeLinear / DequantizeLinear, Int8Add,
// Int8Mul). Each call splits the elements over the pool; results do not depend on the split.
// Scales must be finite and > 0 (octet::Error otherwise); zero points lie in the type's range.
#pragma once

#include <cstdint>
#include <span>

#include "core/thread_pool.h"

namespace octet::kernels {

void quantize_f32_u8(const float* x, int64_t n, float scale, uint8_t zp, uint8_t* y, ThreadPool& pool);
void quantize_f32_s8(const float* x, int64_t n, float scale, int8_t zp, int8_t* y, ThreadPool& pool);
void dequantize_u8_f32(const uint8_t* x, int64_t n, float scale, uint8_t zp, float* y, ThreadPool& pool);
void dequantize_s8_f32(const int8_t* x, int64_t n, float scale, int8_t zp, float* y, ThreadPool& pool);

// u8 (x_scale, x_zp) -> u8 (y_scale, y_zp).
void requantize_u8(const uint8_t* x, int64_t n, float x_scale, uint8_t x_zp, float y_scale, uint8_t y_zp, uint8_t* y,
                   ThreadPool& pool);

// Int8Add of same-shape operands, the elements split over the pool.
void qadd_u8(const uint8_t* a, float a_scale, uint8_t a_zp, const uint8_t* b, float b_scale, uint8_t b_zp, int64_t n,
             float y_scale, uint8_t y_zp, uint8_t* y, ThreadPool& pool);
// Int8Add with numpy broadcasting, per segment as qmul_u8_segment (steps 1 or 0); ma = a_scale /
// y_scale, mb = b_scale / y_scale.
void qadd_u8_segment(int64_t n, const uint8_t* a, int64_t a_step, uint8_t a_zp, float ma, const uint8_t* b,
                     int64_t b_step, uint8_t b_zp, float mb, uint8_t y_zp, uint8_t* y);
// Int8Mul with numpy broadcasting, walked by the caller in segments (ops/broadcast.h): n outputs
// from operands that advance by a_step / b_step elements (1, or 0 to repeat one element), on the
// calling thread. m = a_scale * b_scale / y_scale, from qmul_multiplier (which checks the scales).
float qmul_multiplier(float a_scale, float b_scale, float y_scale);
void qmul_u8_segment(int64_t n, const uint8_t* a, int64_t a_step, uint8_t a_zp, const uint8_t* b, int64_t b_step,
                     uint8_t b_zp, float m, uint8_t y_zp, uint8_t* y);

// y = table[x] (Int8Lookup), table 256 codes.
void lookup_u8(const uint8_t* x, int64_t n, const uint8_t* table, uint8_t* y, ThreadPool& pool);

// Concat of u8 tensors viewed as [outer][axis_i * inner]: input i is requantized to the output's
// (scale, zero point), or copied when its own are the same.
struct QConcatInput {
  const uint8_t* data;
  int64_t axis_len;
  float scale;
  uint8_t zero_point;
};
void qconcat_u8(std::span<const QConcatInput> inputs, int64_t outer, int64_t inner, float y_scale, uint8_t y_zp,
                uint8_t* y, ThreadPool& pool);

}  // namespace octet::kernels
