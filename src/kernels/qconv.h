// INT8 2-D convolution on NHWC tensors (channels last, the layout int8 GEMMs want; the lowering
// pass transposes at NCHW graph boundaries): y = epilogue(sum (x - x_zp) * (w - w_zp)).
//  - 1x1, stride 1, no padding: the input is the GEMM's A directly.
//  - k x k: im2col into A (padding filled with x_zp, i.e. real 0), then the GEMM.
//  - groups: one packed GEMM per group writing its slice of output channels.
//  - depthwise (groups == C == OC): on a path with a ring kernel (kernels/ref/dwconv_ring_ref.h), per output row the
//    input rows under each group of R kernel rows interleaved into one int32 lane per channel (padding columns
//    included), then one dot product per kernel column and row group: R = 4 on vpdpbusd (symmetric weights only),
//    R = 2 on vpmaddwd (AVX2, any weights); otherwise a direct kernel over an indirection buffer of input pixels, a
//    row's interior pixels several at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/dispatch.h"
#include "kernels/qgemm.h"

namespace octet::kernels {

struct Conv2dShape {
  int64_t batch = 1, in_h = 0, in_w = 0, in_c = 0, out_c = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0, groups = 1;
  int64_t out_h() const { return (in_h + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
  int64_t out_w() const { return (in_w + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
  bool depthwise() const { return groups == in_c && groups == out_c && groups > 1; }
};

struct PackedConvWeights {
  Conv2dShape shape;
  std::vector<PackedWeightsS8> group_weights;  // GEMM paths: one per group, K = kh * kw * C / groups
  std::vector<int32_t> dw_weights;             // depthwise: (w - w_zp) as [tap][channel]
  std::vector<int32_t> dw_weight_sum;          // depthwise: sum over taps of dw_weights, per channel
  // depthwise on the table's dwconv_ring path (R rows per lane; R = 4 needs zero point 0): w - w_zp as
  // [rotation][kx][slot group][C rounded up to 16] lanes, part slot % R of a lane holding the weight of the kernel
  // row in that slot (kernels/ref/dwconv_ring_ref.h); else empty.
  std::vector<uint32_t> dw_weights_ring;
  const KernelTable* table = nullptr;  // the path the weights were packed for
};

// w in ONNX layout [OC][C / groups][KH][KW]; w_zero_point empty, one value or OC values.
// Throws octet::Error on an inconsistent shape.
PackedConvWeights pack_conv_weights_s8(const int8_t* w, const Conv2dShape& shape,
                                       std::span<const int8_t> w_zero_point = {}, const KernelTable& table = kernels());

// x: [batch][in_h][in_w][in_c] u8. The epilogue addresses the output as a matrix of
// batch * out_h * out_w rows and out_c columns (ldo >= out_c); bias and scale are per out_c.
// Every path applies ep (a residual included) with the chosen path's epilogue.
void qconv2d_u8s8_nhwc(const uint8_t* x, uint8_t x_zp, const PackedConvWeights& w, const Epilogue& ep,
                       ThreadPool& pool);

}  // namespace octet::kernels
