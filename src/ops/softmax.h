// Softmax and LogSoftmax, registered by register_activation_ops (activation.cc).
#pragma once

#include "ops/registry.h"

namespace octet {

void register_softmax_ops(OpRegistry& r);

// How Softmax / LogSoftmax `node` splits x: `outer` independent groups of `n` values normalized
// together, `inner` apart. Opset < 13 coerces x to 2-D at axis (default 1): inner is 1; opset >= 13
// normalizes along axis alone (default -1). octet::Error naming the node for an axis out of range.
struct SoftmaxExtent {
  int64_t outer = 1, n = 1, inner = 1;
};
SoftmaxExtent softmax_extent(const Node& node, const Shape& x);

}  // namespace octet
