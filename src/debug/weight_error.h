// A quantized weight (an int8 initializer behind a DequantizeLinear) against the float weight it
// stands for: SQNR over the tensor and per output channel.
#pragma once

#include "octet/debug.h"
#include "octet/graph.h"

namespace octet {

// `dq` is the DequantizeLinear of `quantized` that dequantizes the weight `reader` reads;
// `float_weight` the float model's weight (same shape). The channel axis is the DequantizeLinear's
// for a per-channel weight, else the reader's output-channel axis (Conv 0, ConvTranspose 1, Gemm
// by transB, MatMul the last). octet::Error naming the weight when the shapes or the qparams do
// not fit.
WeightError weight_error(const Graph& quantized, const Node& dq, const Node& reader, const Tensor& float_weight);

}  // namespace octet
