// channels_last: runs CNN ops in NHWC between the graph's NCHW boundaries.
// The INT8 convolution kernels want channels last (kernels/qconv.h), and so does oneDNN's fp32
// convolution on AVX-512 (brgconv); without this pass every Int8Conv would transpose its input
// and output (on MobileNetV2 that was half the INT8 run time), every fp32 Conv would reorder them.
// Every Int8Conv and fp32 2-D Conv / ConvPostOps, and every Int8MaxPool /
// Int8GlobalAveragePool / Int8Concat (channel axis) / Int8Lookup whose data
// inputs come from NHWC ops, gets attribute channels_last = 1 (the element-wise ones need none);
// Int8Add and Int8Mul (broadcasting, constant operands permuted) and per-tensor
// QuantizeLinear / DequantizeLinear join when all their data inputs are NHWC.
// fp32 ops join when all their data inputs are NHWC: unary element-wise ones, binary ones (Add,
// Mul, Sub, Div, ... with a constant operand permuted to match: a per-channel [C, 1, 1] scale
// becomes [1, 1, C]), 2-D MaxPool and GlobalAverage/MaxPool (channels_last = 1), reductions that
// keep the rank, Concat, Pad and Resize with constant arguments (axes, pads, scales, sizes and roi
// renumbered).
// One Transpose goes where an NCHW value enters the region and one where a region value is read
// outside it (a graph output, another op), under the value's original name. The result is
// bit-identical to the NCHW plan.
#pragma once

#include "octet/graph.h"

namespace octet {

void to_channels_last(Graph& g);

}  // namespace octet
