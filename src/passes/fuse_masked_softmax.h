// fuse_masked_softmax: attention's Softmax(Add(Mul(scores, c), mask)) (or without the Mul), over
// the last axis, becomes one com.octet MaskedSoftmax(scores, mask) with attribute scale = c
// (ops/softmax.cc): one pass over the [batch, heads, seq, seq] scores instead of three, the same
// bits. For fp32 execution (optimize_for_inference) and the float parts of a quantized model (lower).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where the Softmax is opset >= 13 and normalizes the last axis (axis -1, or rank - 1 when the
// rank is declared), each intermediate value is read by the chain alone and is no graph output, and
// c is a float32 constant of one value. Returns the number of MaskedSoftmax made.
int fuse_masked_softmax(Graph& g);

}  // namespace octet
