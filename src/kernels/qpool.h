// INT8 pooling on NHWC u8 tensors. MaxPool commutes with the (monotonic) quantization, so it works
// on the codes; GlobalAveragePool sums (x - x_zp) exactly in int32 and requantizes once:
//   y = saturate(round(float(sum) * (x_scale / (y_scale * pixels))) + y_zp).
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace octet::kernels {

struct Pool2dShape {
  int64_t batch = 1, in_h = 0, in_w = 0, channels = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t out_h() const { return (in_h + pad_top + pad_bottom - kernel_h) / stride_h + 1; }
  int64_t out_w() const { return (in_w + pad_left + pad_right - kernel_w) / stride_w + 1; }
};

// Padding never wins a max (ONNX pads MaxPool with -inf).
void qmaxpool2d_u8_nhwc(const uint8_t* x, const Pool2dShape& s, uint8_t* y, ThreadPool& pool);
// GlobalAveragePool: [batch][pixels][channels] -> [batch][channels] (an NCHW tensor is
// [N * C][pixels][1]); pixels * 255 must fit the int32 sums.
void qglobal_avgpool_u8_nhwc(const uint8_t* x, int64_t batch, int64_t pixels, int64_t channels, float x_scale,
                             uint8_t x_zp, float y_scale, uint8_t y_zp, uint8_t* y, ThreadPool& pool);

}  // namespace octet::kernels
