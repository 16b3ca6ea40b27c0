// Fusion before quantization (PyTorch's fuse_modules, eval mode): rewrites that keep the float
// function while removing ops that would otherwise be quantized on their own.
#pragma once

#include <vector>

#include "octet/graph.h"
#include "passes/written_out_norms.h"

namespace octet {

// Runs fuse_conv_bn (fuse_conv_bn.h), then fuse_matmul_add (fuse_matmul_add.h), and repeats until
// neither rewrites anything (a BN folded into a MatMul makes a Gemm; BN after BN folds one at a
// time). Returns the number of rewrites; a second call returns 0.
int fuse_for_quantization(Graph& g);

// The float graph static quantization quantizes, and that compare reads float weights from:
// constants folded, written-out normalizations as the ONNX op where octet runs one
// (fuse_written_out_norms.h), Pad merged into the convolution after it (fuse_pad.h), a written-out
// HardSwish as the op in its exportable form (fuse_hardswish.h), then fuse_for_quantization.
// Returns the kinds of the normalizations fused, for the quantize summary.
std::vector<NormKind> fuse_for_static_quantization(Graph& g);

}  // namespace octet
