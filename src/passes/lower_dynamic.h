// lower_dynamic: the nodes quantize_dynamic marked in graph.metadata["octet.dynamic"]
// (DequantizeLinear on int8 weights -> MatMul/Gemm/LSTM/GRU) -> "com.octet" ops that quantize
// their activations at run time and run on the INT8 kernels.
#pragma once

#include "octet/graph.h"

namespace octet {

void lower_dynamic(Graph& g);

}  // namespace octet
