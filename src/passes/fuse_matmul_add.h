// MatMul + Add(bias) -> Gemm: one op with a bias, which the quantizer stores as int32.
#pragma once

#include "octet/graph.h"

namespace octet {

// MatMul(X of rank 2, constant float32 W [K, N]) followed by its bias Add (bias_add_after,
// graph_util.h: a constant float32 [N] or [1, N]) => Gemm(X, W, bias [N]), writing the Add's
// output. With X of higher rank (e.g. [batch, seq, K]) Gemm does not apply and MatMul + Add stay
// as they are; find_fused_groups (fuse_groups.h) reports them as one unit, so the quantizer still
// puts nothing between them.
// Returns the number of pairs fused.
int fuse_matmul_add(Graph& g);

}  // namespace octet
