#include "passes/fuse.h"

#include "passes/fold_constants.h"
#include "passes/fuse_conv_bn.h"
#include "passes/fuse_hardswish.h"
#include "passes/fuse_matmul_add.h"
#include "passes/fuse_pad.h"
#include "passes/fuse_written_out_norms.h"

namespace octet {

int fuse_for_quantization(Graph& g) {
  int total = 0;
  // Each rewrite removes a node, so this ends.
  for (int n = 1; n > 0; total += n) n = fuse_conv_bn(g) + fuse_matmul_add(g);
  return total;
}

std::vector<NormKind> fuse_for_static_quantization(Graph& g) {
  fold_constants(g);
  std::vector<NormKind> norms = fuse_written_out_norms(g, /*for_export=*/true);
  fuse_pad(g);
  fuse_hardswish(g, /*for_export=*/true);
  fuse_for_quantization(g);
  return norms;
}

}  // namespace octet
