// Folding BatchNormalization into the op before it (eval mode, PyTorch's fuse_conv_bn_eval and
// fuse_linear_bn_eval): the BN's per-channel affine map moves into the weight and bias; so does a
// Mul, Add, Sub or Div by a constant scale or shift per channel (or one for all).
#pragma once

#include "octet/graph.h"

namespace octet {

// Folds every BatchNormalization (inference mode, constant float32 parameters, no running-stat
// outputs), and every Mul / Add / Sub / Div of it by a constant of one value or one per channel
// along the output's channel axis, that reads the output of
//   - Conv (any rank and group, with or without bias),
//   - ConvTranspose (any group; output channel c lives in weight axis 1 of its group),
//   - Gemm (transA/transB any, alpha/beta any; bias C absent or one value per column), or
//   - MatMul(X of rank 2, constant W [K, N]), which becomes Gemm(X, W', C'),
// with a constant float32 weight, when the BN is the only reader of that output and it is no graph
// output (docs/quantization.md eqs. (F1), (F2)). The op then writes the BN's output and the BN is
// removed, with the old weight/bias if nothing else reads them. Returns the number of nodes folded.
// One call folds one node per op; optimize_for_inference and fuse_for_quantization repeat it for
// chains (Conv -> Mul -> Add).
int fuse_conv_bn(Graph& g);

}  // namespace octet
