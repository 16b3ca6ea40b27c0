#include "passes/fuse_float_patterns.h"

#include "passes/fuse_add_layernorm.h"
#include "passes/fuse_gelu.h"
#include "passes/fuse_masked_softmax.h"
#include "passes/fuse_transpose_matmul.h"
#include "passes/fuse_written_out_norms.h"

namespace octet {

int fuse_float_patterns(Graph& g) {
  int fused = fuse_gelu(g);
  fused += static_cast<int>(fuse_written_out_norms(g, /*for_export=*/false).size());
  fused += fuse_add_layernorm(g);
  fused += fuse_masked_softmax(g);
  fused += fuse_transpose_matmul(g);
  return fused;
}

}  // namespace octet
