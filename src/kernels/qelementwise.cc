#include "kernels/qelementwise.h"

#include <cmath>
#include <cstring>

#include "kernels/dispatch.h"
#include "kernels/ref/qelementwise_ref.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per task: enough to amortize the hand-off

void check_scale(float s, const char* what) {
  OCTET_CHECK(std::isfinite(s) && s > 0, what, " must be finite and > 0, got ", s);
}

template <class F>
void split(int64_t n, ThreadPool& pool, F&& f) {
  OCTET_CHECK(n >= 0, "element count must be >= 0, got ", n);
  pool.parallel_for(n, kGrain, [&](int64_t b, int64_t e) { f(b, e - b); });
}

}  // namespace

void quantize_f32_u8(const float* x, int64_t n, float scale, uint8_t zp, uint8_t* y, ThreadPool& pool) {
  check_scale(scale, "QuantizeLinear scale");
  split(n, pool, [&](int64_t i, int64_t len) { kernels().quantize_u8(len, x + i, scale, zp, y + i); });
}

void quantize_f32_s8(const float* x, int64_t n, float scale, int8_t zp, int8_t* y, ThreadPool& pool) {
  check_scale(scale, "QuantizeLinear scale");
  split(n, pool, [&](int64_t i, int64_t len) { kernels().quantize_s8(len, x + i, scale, zp, y + i); });
}

void dequantize_u8_f32(const uint8_t* x, int64_t n, float scale, uint8_t zp, float* y, ThreadPool& pool) {
  check_scale(scale, "DequantizeLinear scale");
  split(n, pool, [&](int64_t i, int64_t len) { kernels().dequantize_u8(len, x + i, scale, zp, y + i); });
}

void dequantize_s8_f32(const int8_t* x, int64_t n, float scale, int8_t zp, float* y, ThreadPool& pool) {
  check_scale(scale, "DequantizeLinear scale");
  split(n, pool, [&](int64_t i, int64_t len) { kernels().dequantize_s8(len, x + i, scale, zp, y + i); });
}

void requantize_u8(const uint8_t* x, int64_t n, float x_scale, uint8_t x_zp, float y_scale, uint8_t y_zp, uint8_t* y,
                   ThreadPool& pool) {
  check_scale(x_scale, "input scale");
  check_scale(y_scale, "output scale");
  const float m = x_scale / y_scale;
  split(n, pool, [&](int64_t i, int64_t len) { kernels().requantize_u8(len, x + i, x_zp, m, y_zp, y + i); });
}

void qadd_u8(const uint8_t* a, float a_scale, uint8_t a_zp, const uint8_t* b, float b_scale, uint8_t b_zp, int64_t n,
             float y_scale, uint8_t y_zp, uint8_t* y, ThreadPool& pool) {
  check_scale(a_scale, "qadd_u8 a_scale");
  check_scale(b_scale, "qadd_u8 b_scale");
  check_scale(y_scale, "qadd_u8 y_scale");
  const float ma = a_scale / y_scale, mb = b_scale / y_scale;
  split(n, pool,
        [&](int64_t i, int64_t len) { kernels().qadd_u8(len, a + i, a_zp, ma, b + i, b_zp, mb, y_zp, y + i); });
}

float qmul_multiplier(float a_scale, float b_scale, float y_scale) {
  check_scale(a_scale, "qmul_u8 a_scale");
  check_scale(b_scale, "qmul_u8 b_scale");
  check_scale(y_scale, "qmul_u8 y_scale");
  return a_scale * b_scale / y_scale;
}

void qadd_u8_segment(int64_t n, const uint8_t* a, int64_t a_step, uint8_t a_zp, float ma, const uint8_t* b,
                     int64_t b_step, uint8_t b_zp, float mb, uint8_t y_zp, uint8_t* y) {
  if (a_step && b_step) return kernels().qadd_u8(n, a, a_zp, ma, b, b_zp, mb, y_zp, y);
  qadd_u8_steps__ref(n, a, a_step, a_zp, ma, b, b_step, b_zp, mb, y_zp, y);
}

void qmul_u8_segment(int64_t n, const uint8_t* a, int64_t a_step, uint8_t a_zp, const uint8_t* b, int64_t b_step,
                     uint8_t b_zp, float m, uint8_t y_zp, uint8_t* y) {
  kernels().qmul_u8(n, a, a_step, a_zp, b, b_step, b_zp, m, y_zp, y);
}

void lookup_u8(const uint8_t* x, int64_t n, const uint8_t* table, uint8_t* y, ThreadPool& pool) {
  split(n, pool, [&](int64_t i, int64_t len) { kernels().lookup_u8(len, x + i, table, y + i); });
}

void qconcat_u8(std::span<const QConcatInput> inputs, int64_t outer, int64_t inner, float y_scale, uint8_t y_zp,
                uint8_t* y, ThreadPool& pool) {
  check_scale(y_scale, "Concat output scale");
  OCTET_CHECK(outer >= 0 && inner >= 0, "Concat: bad outer ", outer, " or inner ", inner, " size");
  int64_t row = 0;
  for (const QConcatInput& in : inputs) {
    check_scale(in.scale, "Concat input scale");
    OCTET_CHECK(in.axis_len >= 0, "Concat: negative axis length ", in.axis_len);
    row += in.axis_len * inner;
  }
  pool.parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(row, 1)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      uint8_t* dst = y + o * row;
      for (const QConcatInput& in : inputs) {
        int64_t len = in.axis_len * inner;
        const uint8_t* src = in.data + o * len;
        if (in.scale == y_scale && in.zero_point == y_zp) std::memcpy(dst, src, len);
        else kernels().requantize_u8(len, src, in.zero_point, in.scale / y_scale, y_zp, dst);
        dst += len;
      }
    }
  });
}

}  // namespace octet::kernels
