// fuse_transpose_matmul: MatMul of two computed operands with Transposes around it, as attention
// writes them (Q, K, V split into heads by Reshape + Transpose, the context merged back by
// Transpose + Reshape), becomes one com.octet TransposedMatMul (ops/transposed_matmul.cc) whose
// operands and result are strided views: no copy of Q, K, V or the context (MiniLM: 24 Transposes).
// For fp32 execution (optimize_for_inference) and the float parts of a quantized model (lower).
#pragma once

#include "octet/graph.h"

namespace octet {

// A Transpose is absorbed when it is the MatMul's only reader (input side) or the MatMul is its only
// producer-consumer pair (output side), no graph output is lost, its perm is given, and the matrix
// keeps a unit stride: an input perm must leave the last input axis as one of the last two, an
// output perm must keep the last axis last. The MatMul's B must not be a constant (those are the
// weights of Linear layers: oneDNN's packed-weight primitive stays theirs). Returns the number of
// MatMuls rewritten.
int fuse_transpose_matmul(Graph& g);

}  // namespace octet
