// Sliding-window geometry shared by Conv and the pools: the attributes kernel_shape, strides,
// dilations, pads and auto_pad (ONNX Conv / MaxPool), turned into explicit begin/end pads and an
// output size per spatial dimension.
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

// Attribute `key` as one positive int per spatial dimension, `def` when absent; octet::Error
// naming the node when its length or values are wrong.
std::vector<int64_t> spatial_attr(const Node& node, const std::string& key, size_t rank, int64_t def);

// The window of `node` over an input whose spatial dims are `in`, for a kernel of `kernel`
// (checked against the kernel_shape attribute when present). ceil_mode is the pools' attribute.
Window make_window(const Node& node, const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                   bool ceil_mode);

}  // namespace octet
