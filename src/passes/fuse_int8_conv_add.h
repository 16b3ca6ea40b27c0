// fuse_int8_conv_add: an NHWC Int8Conv whose output's only reader is an Int8Add of a same-shape
// tensor (a residual connection: ResNet's bottleneck, MobileNetV2's inverted residual) takes the
// other operand as its input 5 and the Add's qparams as attributes (ops/int8_conv.cc); the GEMM
// then adds it to each block of output while the block is still in cache (kernels::ResidualAdd)
// instead of a second pass over both tensors. The same operations in the same order: the bytes
// equal those of the two ops. Runs after to_channels_last (lower), on NHWC convolutions only.
#pragma once

#include "octet/graph.h"

namespace octet {

// Returns the number fused.
int fuse_int8_conv_add(Graph& g);

}  // namespace octet
