// Folding BatchNormalization into the op before it (eval mode, PyTorch's fuse_conv_bn_eval and
// fuse_linear_bn_eval): the BN's per-channel affine map moves into the weight and bias.
#pragma once

#include "octet/graph.h"

namespace octet {

// Folds every BatchNormalization (inference mode, constant float32 parameters, no running-stat
// outputs) that reads the output of
//   - Conv (any rank and group, with or without bias),
//   - ConvTranspose (any group; output channel c lives in weight axis 1 of its group),
//   - Gemm (transA/transB any, alpha/beta any; bias C absent or one value per column), or
//   - MatMul(X of rank 2, constant W [K, N]), which becomes Gemm(X, W', C'),
// with a constant float32 weight, when the BN is the only reader of that output and it is no graph
// output (docs/quantization.md eqs. (F1), (F2)). The op then writes the BN's output and the BN is
// removed, with the old weight/bias if nothing else reads them. Returns the number of BNs folded.
// One call folds one BN per op; fuse_for_quantization repeats it for chains of BNs.
int fuse_conv_bn(Graph& g);

}  // namespace octet
