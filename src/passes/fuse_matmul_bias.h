// fuse_matmul_bias: MatMul(X, constant W [K, N]) followed by its bias Add (bias_add_after,
// graph_util.h; how PyTorch exports nn.Linear on 3-D activations) becomes com.octet
// MatMulBias(X, W, b) (ops/gemm.cc), which adds the bias inside the oneDNN primitive. For fp32
// execution (optimize_for_inference); the quantizer keeps standard ops (fuse_matmul_add.h).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where the MatMul's output is read by that Add alone and is no graph output. Returns the
// number of pairs fused.
int fuse_matmul_bias(Graph& g);

}  // namespace octet
