#include "passes/fuse.h"

#include "passes/fuse_conv_bn.h"
#include "passes/fuse_matmul_add.h"

namespace octet {

int fuse_for_quantization(Graph& g) {
  int total = 0;
  // Each rewrite removes a node, so this ends.
  for (int n = 1; n > 0; total += n) n = fuse_conv_bn(g) + fuse_matmul_add(g);
  return total;
}

}  // namespace octet
