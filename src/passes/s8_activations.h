// s8_activations: int8 (s8) activation codes become uint8 ones, exactly, so that QDQ models made
// with signed activations (ONNX Runtime's QuantType.QInt8, `--act-dtype s8`) run on the u8 x s8
// INT8 kernels too. An s8 code q with zero point z is the u8 code q + 128 with zero point z + 128:
// QuantizeLinear gives saturate(round(x / s) + z + 128) = its s8 code + 128, and DequantizeLinear
// the same real value. Weights (DequantizeLinear of constants) keep int8.
#pragma once

#include "octet/graph.h"

namespace octet {

// Rewrites each QuantizeLinear to int8 whose output only DequantizeLinear nodes with the same
// constant scale and zero point read (and is no graph output) to uint8, its readers with it.
// Returns the number of pairs rewritten.
int s8_activations_to_u8(Graph& g);

}  // namespace octet
