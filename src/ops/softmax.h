// Softmax and LogSoftmax, registered by register_activation_ops (activation.cc).
#pragma once

#include "ops/registry.h"

namespace octet {

void register_softmax_ops(OpRegistry& r);

}  // namespace octet
