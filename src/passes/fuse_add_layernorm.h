// fuse_add_layernorm: a transformer's residual connection, LayerNormalization(Add(a, b)), becomes
// one com.octet AddLayerNorm(a, b, Scale, Bias) (ops/norm.cc; ONNX Runtime's SkipLayerNormalization):
// the sum is formed row by row inside the normalization instead of written out and read back
// (MiniLM: 12 of its 21 Adds). The same bits as the two ops. For fp32 execution
// (optimize_for_inference) and the float parts of a quantized model (lower).
#pragma once

#include "octet/graph.h"

namespace octet {

// Fuses where the Add's output is read by the LayerNormalization alone and is no graph output, and
// the LayerNormalization's Mean and InvStdDev outputs are not used. Returns the number fused.
int fuse_add_layernorm(Graph& g);

}  // namespace octet
