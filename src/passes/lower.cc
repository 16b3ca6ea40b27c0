// octet::lower and octet::is_quantized (include/octet/quantize.h): s8 activation codes become u8
// ones (s8_activations.h), then the dynamic patterns (they consume DequantizeLinear nodes the
// static patterns would otherwise see), then the static, then the float fusions of what stays in
// float (fuse_float_patterns.h), then NHWC regions for the INT8 CNN ops, whose residual Int8Adds
// then join the convolutions before them (fuse_int8_conv_add.h).
#include "octet/quantize.h"
#include "passes/channels_last.h"
#include "passes/fuse_float_patterns.h"
#include "passes/fuse_int8_conv_add.h"
#include "passes/lower_dynamic.h"
#include "passes/lower_static.h"
#include "passes/s8_activations.h"

namespace octet {

Graph lower(const Graph& qdq) {
  Graph g = qdq;
  s8_activations_to_u8(g);
  lower_dynamic(g);
  lower_static(g);
  fuse_float_patterns(g);
  to_channels_last(g);
  fuse_int8_conv_add(g);
  return g;
}

bool is_quantized(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.domain.empty() && (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear")) return true;
  return g.metadata.count("octet.dynamic") > 0;
}

}  // namespace octet
