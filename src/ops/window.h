// Sliding-window geometry shared by the convolutions and the pools, float and INT8: the attributes
// kernel_shape, strides, dilations, pads and auto_pad (ONNX Conv / MaxPool), read and checked here
// and turned into explicit begin/end pads and an output size per spatial dimension.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, out;
  size_t rank() const { return kernel.size(); }
  // Span of the dilated kernel: (k - 1) * d + 1.
  int64_t extent(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Attribute `key` as one int per spatial dimension, each at least `min` (1: strides, dilations;
// 0: output_padding), `def` when absent; octet::Error naming the node when its length or values
// are wrong.
std::vector<int64_t> spatial_attr(const Node& node, const std::string& key, size_t rank, int64_t def, int64_t min = 1);
// Attribute pads, [begin_1, .., begin_rank, end_1, .., end_rank], zeros when absent; octet::Error
// naming the node when its length is wrong or a pad is negative.
std::vector<int64_t> explicit_pads(const Node& node, size_t rank);

// Attribute auto_pad (NOTSET when absent or empty); octet::Error naming the node for another value.
enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };
AutoPad auto_pad(const Node& node);
// octet::Error naming the node when its kernel_shape attribute is present and differs from `kernel`
// (the weight's spatial dims).
void check_kernel_shape(const Node& node, const std::vector<int64_t>& kernel);

// The window of `node` over an input whose spatial dims are `in`, for a kernel of `kernel`
// (checked against the kernel_shape attribute when present). ceil_mode is the pools' attribute.
Window make_window(const Node& node, const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                   bool ceil_mode);

}  // namespace octet
