// Pad is registered with the tensor ops (tensor.cc) but, being the largest of them, lives in pad.cc.
#pragma once

#include "ops/registry.h"

namespace octet {

void pad(KernelContext& ctx);

}  // namespace octet
