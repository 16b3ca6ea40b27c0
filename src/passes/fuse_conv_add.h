// fuse_conv_add: a Conv whose output's only reader is an Add of a same-shape tensor (a residual
// connection) becomes com.octet ConvPostOps with that tensor as input 3, added inside the oneDNN
// primitive (a sum post-op: the output buffer starts as a copy of it) instead of a second pass over
// both tensors; fuse_conv_activation then takes a following Relu/Clip too, as ONNX Runtime's
// ConvPostOps does with its Z input. For fp32 execution (optimize_for_inference).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses only where both Add operands have the same declared shape (no broadcasting) and the Conv's
// output is no graph output. Returns the number fused.
int fuse_conv_add(Graph& g);

}  // namespace octet
