// The activation com.octet ConvPostOps applies to its convolution's output (passes/
// fuse_conv_activation.cc): attribute activation names it, as the ONNX op it replaces ("Relu",
// "LeakyRelu" (alpha), "Clip" (clip_min, clip_max), "Sigmoid", "Tanh", "HardSigmoid" (alpha, beta),
// "HardSwish") or "Swish" for y * Sigmoid(y) (SiLU). It runs as oneDNN eltwise post-ops inside the
// convolution primitive; `apply` is the same function on one value (ONNX's definitions), for an
// output the primitive does not compute.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "octet/graph.h"

namespace octet {

struct ConvActivation {
  enum class Kind { kNone, kRelu, kLeakyRelu, kClip, kSigmoid, kTanh, kHardSigmoid, kHardSwish, kSwish };
  Kind kind = Kind::kNone;
  float a = 0, b = 0;  // LeakyRelu: alpha; Clip: min, max; HardSigmoid: alpha, beta

  // From a ConvPostOps node's attributes; octet::Error naming the node for an unknown activation.
  static ConvActivation of(const Node& fused_conv);
  void append_to(dnnl::post_ops& ops) const;
  float apply(float v) const;
};

}  // namespace octet
