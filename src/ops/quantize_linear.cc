#include "ops/registry.h"

namespace octet {

void register_quantize_ops(OpRegistry& r) {}

}  // namespace octet
