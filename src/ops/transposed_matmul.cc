// com.octet TransposedMatMul(A, B), attributes perm_a, perm_b, perm_y (each optional):
// Transpose(MatMul(Transpose(A, perm_a), Transpose(B, perm_b)), perm_y) without the copies
// (passes/fuse_transpose_matmul.h): attention's head split and merge ([B, S, H, D] <-> [B, H, S, D])
// become strides of the batched products (ops/batched_matmul.h).
#include "ir/octet_ops.h"
#include "ops/batched_matmul.h"
#include "ops/op_args.h"
#include "ops/registry.h"

namespace octet {
namespace {

void transposed_matmul(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const std::string who = ctx.node.describe() + ": ";
  OCTET_CHECK(a.dtype() == DType::kFloat32 && b.dtype() == DType::kFloat32, who, "only float32 is supported");
  const StridedView va = contiguous_view(a.shape(), permutation_attr(ctx.node, "perm_a", a.rank()));
  const StridedView vb = contiguous_view(b.shape(), permutation_attr(ctx.node, "perm_b", b.rank()));
  Shape y_shape;
  // The product's element [.., i, j] lives where perm_y puts it in Y, Y contiguous.
  auto y_strides = [&](const Shape& out) {
    const std::vector<int64_t> perm = permutation_attr(ctx.node, "perm_y", static_cast<int64_t>(out.size()));
    if (perm.empty()) {
      y_shape = out;
      return contiguous_strides(out);
    }
    y_shape.assign(out.size(), 0);
    for (size_t j = 0; j < perm.size(); ++j) y_shape[j] = out[perm[j]];
    const std::vector<int64_t> ys = contiguous_strides(y_shape);
    std::vector<int64_t> cs(out.size());
    for (size_t j = 0; j < perm.size(); ++j) cs[perm[j]] = ys[j];
    return cs;
  };
  const BatchedProducts p = plan_products(va, vb, who, y_strides);
  Tensor y = Tensor::uninitialized(DType::kFloat32, y_shape);
  run_products(p, a.data<float>(), b.data<float>(), y.data<float>(), ctx.pool);
  ctx.outputs[0] = y;
}

}  // namespace

void register_transposed_matmul(OpRegistry& r) { r.add(octet_op::kTransposedMatMul, transposed_matmul, kOctetDomain); }

}  // namespace octet
