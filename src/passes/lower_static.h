// lower_static: QDQ patterns (DQ -> op -> Q) -> ops of domain "com.octet" running on the INT8
// kernels. docs/lowering.md lists the patterns.
#pragma once

#include "octet/graph.h"

namespace octet {

void lower_static(Graph& g);

}  // namespace octet
