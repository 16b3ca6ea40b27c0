// Shared by the lowered INT8 ops (domain "com.octet", made by passes/lower_static.cc): the
// activation qparams they carry as attributes, and NCHW <-> NHWC moves of u8 tensors.
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

// Attributes x_scale, x_zero_point, y_scale, y_zero_point, qmin, qmax (the output clamp in codes:
// ReLU and Clip folded in). octet::Error naming the node when one is missing or out of range.
struct Int8Params {
  float x_scale = 1, y_scale = 1;
  uint8_t x_zp = 0, y_zp = 0;
  int32_t qmin = 0, qmax = 255;
};
Int8Params int8_params(const Node& node);
// One attribute of a lowered op: a scale (present, finite and > 0), or a uint8 code (`def` when
// absent). octet::Error naming the node otherwise.
float scale_attr(const Node& node, const char* key);
uint8_t code_attr(const Node& node, const char* key, int64_t def = 0);

// y[b][j][i] = x[b][i][j] for b < n, i < rows, j < cols: NCHW -> NHWC is (rows, cols) =
// (channels, pixels), NHWC -> NCHW is (pixels, channels).
void transpose_planes_u8(const uint8_t* x, int64_t n, int64_t rows, int64_t cols, uint8_t* y, ThreadPool& pool);

// The per-output-channel constants of a weighted op: multiplier x_scale * w_scale[c] / y_scale
// and the int32 bias (empty when absent), from the op's constant inputs 2 (w_scale) and 4 (bias).
struct ChannelConstants {
  std::vector<float> multiplier;
  std::vector<int32_t> bias;
  std::vector<int8_t> w_zero_point;
};
ChannelConstants channel_constants(const Node& node, const Tensor& w_scale, const Tensor* w_zp, const Tensor* bias,
                                   int64_t channels, const Int8Params& q);

class OpRegistry;
// The lowered ops of int8_conv.cc, int8_conv_transpose.cc and int8_matmul.cc
// (register_int8_ops calls them).
void register_int8_conv(OpRegistry& r);
void register_int8_conv_transpose(OpRegistry& r);
void register_int8_matmul(OpRegistry& r);

}  // namespace octet
