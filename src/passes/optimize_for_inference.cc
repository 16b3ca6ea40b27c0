// octet::optimize_for_inference (include/octet/runtime.h): what ONNX Runtime's basic graph
// optimizations do for an fp32 model before it runs: constant subgraphs computed once, every
// BatchNormalization folded into the Conv/ConvTranspose/Gemm before it (eqs. (F1)/(F2) of
// docs/quantization.md), so the BN costs nothing per inference, explicit zero Pads moved into the
// convolution after them (fuse_pad.h), a written-out HardSwish as the op (fuse_hardswish.h),
// MatMul + bias Add and Conv (+ residual Add) + Relu/Clip as one oneDNN primitive each
// (fuse_matmul_bias.h, fuse_conv_add.h, fuse_conv_activation.h), the float fusions lower runs too
// (a written-out GELU, LayerNorm, InstanceNorm or softmax as the op, a residual Add into
// LayerNormalization, attention's softmax and head Transposes: fuse_float_patterns.h), and
// convolution chains kept in NHWC, the layout oneDNN's convolution wants (channels_last.h).
#include "octet/runtime.h"
#include "passes/channels_last.h"
#include "passes/fold_constants.h"
#include "passes/fuse_conv_activation.h"
#include "passes/fuse_conv_add.h"
#include "passes/fuse_conv_bn.h"
#include "passes/fuse_float_patterns.h"
#include "passes/fuse_hardswish.h"
#include "passes/fuse_matmul_bias.h"
#include "passes/fuse_pad.h"

namespace octet {

Graph optimize_for_inference(const Graph& model) {
  Graph g = model;
  fold_constants(g);
  fuse_pad(g);
  fuse_hardswish(g, /*for_export=*/false);
  while (fuse_conv_bn(g) > 0) {
  }
  fuse_matmul_bias(g);
  fuse_float_patterns(g);
  fuse_conv_add(g);
  fuse_conv_activation(g);
  to_channels_last(g);
  return g;
}

}  // namespace octet
