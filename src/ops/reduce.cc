#include "ops/registry.h"

namespace octet {

void register_reduce_ops(OpRegistry& r) {}

}  // namespace octet
