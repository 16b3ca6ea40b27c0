// Shared by the debug tests: a tiny float model and a hand-made quantized twin whose errors are
// known exactly.
#pragma once

#include "octet/graph.h"

namespace octet::testing {

// y1 = 2x, y2 = y1 + 0.5, y3 = y2 + 0.5 (nodes "<value>_node"), and the same with y1 and y2
// quantized in steps of 1 (uint8, zero point 0; ONNX QuantizeLinear rounds half to even) by
// Q -> DQ pairs "<value>_q" -> "<value>_dq". At x = 0.45:
//   float:        y1 = 0.9            y2 = 1.4                  y3 = 1.9
//   accumulated:  y1 -> 1 (err 0.1)   y2 = 1.5 -> 2 (err 0.6)   y3 = 2.5 (err 0.6)
//   isolated:     y1 -> 1 (err 0.1)   y2 = q(0.9) + 0.5 = 1.5 -> 2 (err 0.6)
//                                                               y3 = q(1.4) + 0.5 = 1.5 (err 0.4)
// so only y3 tells the modes apart: its own error is 0.4, the rest comes from upstream.
struct QdqChain {
  Graph float_model, quantized;
  QdqChain();
};

// The planted fault of docs/debugging.md: x [N, 8] -> Gemm "h_node" (16 outputs) -> Relu
// "r_node" -> Gemm "y_node" (4 outputs), where output channel 3 of the first Gemm is scaled up
// 1000x and the second Gemm's matching input scaled down, so the float function is that of a
// plain MLP. Quantized per tensor, the outlier channel takes the whole range of r and of w1.
Graph planted_outlier_mlp();

}  // namespace octet::testing
