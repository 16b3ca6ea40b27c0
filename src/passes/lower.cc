// octet::lower and octet::is_quantized (include/octet/quantize.h): s8 activation codes become u8
// ones (s8_activations.h), then the dynamic patterns (they consume DequantizeLinear nodes the
// static patterns would otherwise see), then the static,
// then the float fusions (a written-out GELU, LayerNorm or softmax, residual Add + LayerNormalization, attention's
// scale + mask + softmax, its head Transposes + MatMuls), then NHWC regions for the INT8 CNN ops.
#include "octet/quantize.h"
#include "passes/channels_last.h"
#include "passes/fuse_add_layernorm.h"
#include "passes/fuse_masked_softmax.h"
#include "passes/fuse_transpose_matmul.h"
#include "passes/fuse_gelu.h"
#include "passes/fuse_written_out_norms.h"
#include "passes/lower_dynamic.h"
#include "passes/lower_static.h"
#include "passes/s8_activations.h"

namespace octet {

Graph lower(const Graph& qdq) {
  Graph g = qdq;
  s8_activations_to_u8(g);
  lower_dynamic(g);
  lower_static(g);
  fuse_gelu(g);  // a GELU left in float
  fuse_written_out_norms(g, /*for_export=*/false);  // a written-out LayerNorm or softmax left in float
  fuse_add_layernorm(g);
  fuse_masked_softmax(g);
  fuse_transpose_matmul(g);
  to_channels_last(g);
  return g;
}

bool is_quantized(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.domain.empty() && (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear")) return true;
  return g.metadata.count("octet.dynamic") > 0;
}

}  // namespace octet
