// fuse_written_out_norms: a written-out normalization (written_out_norms.h) that an ONNX op octet
// runs computes becomes that op: one pass of the fused kernel (ops/norm.cc, ops/softmax.cc) over
// each row instead of seven or more, and one node static quantization keeps in float whole.
//   LayerNorm    -> LayerNormalization(x, Scale, B, axis, epsilon)   (opset 17 when exported)
//   InstanceNorm -> InstanceNormalization(x, scale, B, epsilon)
//   softmax      -> Softmax(x, axis)
// RMSNorm, GroupNorm and L2-normalize have no such op in octet and stay written out.
#pragma once

#include <vector>

#include "octet/graph.h"
#include "passes/written_out_norms.h"

namespace octet {

// Fuses the units that are `direct` (written_out_norms.h) and whose op means the same function:
// LayerNorm over the trailing axes [axis, rank) of a value of known rank, those dims fixed, gamma
// and beta constant along the other axes; InstanceNorm with the channel count known where gamma or
// beta has one value or is absent; softmax over one axis, at opset 13 or later or over the last
// axis (before 13 Softmax flattens from `axis` on). `for_export`: the result is saved as ONNX, so
// LayerNormalization needs the model's opset to be 17 or later (octet's own runs need not).
// Gamma and beta become constants of the op's shapes. Returns the kinds fused, one per unit.
std::vector<NormKind> fuse_written_out_norms(Graph& g, bool for_export);

}  // namespace octet
