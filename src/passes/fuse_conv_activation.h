// fuse_conv_activation: Conv (or a FusedConv adding a residual, fuse_conv_add.h) followed by Relu
// or by Clip with constant bounds becomes com.octet FusedConv (ops/conv.cc), which clamps inside
// the oneDNN primitive instead of making a second pass over the output. For fp32 execution (optimize_for_inference); the quantizer folds the same
// activations into its requantization clamp instead (fuse_groups.h).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where the Conv's output is read by that activation alone and is no graph output. Returns
// the number fused.
int fuse_conv_activation(Graph& g);

}  // namespace octet
