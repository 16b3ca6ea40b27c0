// fuse_conv_activation: Conv (or a ConvPostOps adding a residual, fuse_conv_add.h) followed by an
// activation (Relu, LeakyRelu, Clip with constant bounds, Sigmoid, Tanh, HardSigmoid, HardSwish,
// or y * Sigmoid(y), SiLU) becomes com.octet ConvPostOps (ops/conv.cc, ops/conv_activation.h), which
// applies it inside the oneDNN primitive instead of making another pass over the output. For fp32
// execution (optimize_for_inference); the quantizer folds Relu and Clip into its requantization
// clamp instead (fuse_groups.h) and tabulates the others (lower_static.cc).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where the Conv's output is read by that activation alone and is no graph output. Returns
// the number fused.
int fuse_conv_activation(Graph& g);

}  // namespace octet
