// The float fusions both float paths share: an fp32 model before it runs (optimize_for_inference)
// and the ops a quantized model keeps in float after lowering (lower). One list, so a fusion
// added for one path serves the other.
#pragma once

#include "octet/graph.h"

namespace octet {

// In this order: a written-out GELU as one op (fuse_gelu.h), a written-out LayerNorm,
// InstanceNorm or softmax as the op (fuse_written_out_norms.h), a residual Add into the
// LayerNormalization after it (fuse_add_layernorm.h), attention's scale, mask and softmax as one
// op (fuse_masked_softmax.h), its head split/merge Transposes as strides of its MatMuls
// (fuse_transpose_matmul.h). Returns the number of fusions made.
int fuse_float_patterns(Graph& g);

}  // namespace octet
