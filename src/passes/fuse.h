// Fusion before quantization (PyTorch's fuse_modules, eval mode): rewrites that keep the float
// function while removing ops that would otherwise be quantized on their own.
#pragma once

#include "octet/graph.h"

namespace octet {

// Conv -> BatchNormalization with constant parameters, the Conv output read only by the BN:
// the BN is folded into the Conv's weight and bias (docs/static_ptq.md eq. (F1)). Returns the
// number of BNs folded.
int fuse_conv_bn(Graph& g);
// MatMul(X of rank 2, constant W [K, N]) -> Add(constant bias [N]) => Gemm(X, W, bias). Returns
// the number of pairs fused. (With X of higher rank MatMul + Add stay; fuse_groups quantizes them
// as one unit anyway.)
int fuse_matmul_add(Graph& g);
// Both rewrites, in this order. Returns the number of rewrites.
int fuse_for_quantization(Graph& g);

}  // namespace octet
