// Backward of Gemm (Y = alpha * A' B' + beta * C, A' = transA ? A^T : A, C unidirectionally
// broadcast) and MatMul (numpy matmul: 1-D operands promoted, batch dims broadcast). The shapes
// QAT trains are classifier heads, so plain loops: dA' = alpha dY B'^T, dB' = alpha A'^T dY,
// dC = beta * dY summed over C's broadcast axes; MatMul sums over its broadcast batch dims.
#include "ops/broadcast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

// c[m, n] += alpha * sum over k of a'[m, k] * b'[k, n], where a' is a [m, k] row-major matrix or
// (ta) the transpose of a [k, m] one, and b' likewise.
void matmul_acc(const float* a, bool ta, const float* b, bool tb, float* c, int64_t m, int64_t n, int64_t k,
                float alpha) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const float av = alpha * (ta ? a[p * m + i] : a[i * k + p]);
      if (av == 0) continue;
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += av * (tb ? b[j * k + p] : b[p * n + j]);
    }
}

void gemm_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  const Tensor& a = input(ctx, 0);
  const Tensor& b = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  OCTET_CHECK(a.rank() == 2 && b.rank() == 2 && dy.rank() == 2, ctx.node.describe(), ": Gemm needs 2-D A and B, got ",
              shape_str(a.shape()), " and ", shape_str(b.shape()));
  const bool ta = ctx.node.attr_int("transA", 0) != 0, tb = ctx.node.attr_int("transB", 0) != 0;
  const float alpha = ctx.node.attr_float("alpha", 1.0f), beta = ctx.node.attr_float("beta", 1.0f);
  const int64_t m = dy.dim(0), n = dy.dim(1), k = ta ? a.dim(0) : a.dim(1);
  const float *pa = a.data<float>(), *pb = b.data<float>(), *pg = dy.data<float>();
  if (wants(ctx, 0)) {
    Tensor da(DType::kFloat32, a.shape());
    if (ta)  // dA = alpha B' dY^T, [K, M]
      matmul_acc(pb, tb, pg, true, da.data<float>(), k, m, n, alpha);
    else  // dA = alpha dY B'^T, [M, K]
      matmul_acc(pg, false, pb, !tb, da.data<float>(), m, k, n, alpha);
    ctx.grad_inputs[0] = da;
  }
  if (wants(ctx, 1)) {
    Tensor db(DType::kFloat32, b.shape());
    if (tb)  // dB = alpha dY^T A', [N, K]
      matmul_acc(pg, true, pa, ta, db.data<float>(), n, k, m, alpha);
    else  // dB = alpha A'^T dY, [K, N]
      matmul_acc(pa, !ta, pg, false, db.data<float>(), k, n, m, alpha);
    ctx.grad_inputs[1] = db;
  }
  if (wants(ctx, 2)) {
    Tensor dc = sum_to_shape(dy, input(ctx, 2).shape());
    for (int64_t i = 0; i < dc.numel(); ++i) dc.data<float>()[i] *= beta;
    ctx.grad_inputs[2] = dc;
  }
}

// A MatMul operand as [batch..., rows, cols]: numpy promotes a 1-D A to [1, K], a 1-D B to [K, 1].
Shape matrix_shape(const Shape& s, bool is_b) {
  if (s.size() != 1) return s;
  return is_b ? Shape{s[0], 1} : Shape{1, s[0]};
}

void matmul_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1});
  const Node& node = ctx.node;
  const Tensor& a = input(ctx, 0);
  const Tensor& b = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const Shape as = matrix_shape(a.shape(), false), bs = matrix_shape(b.shape(), true);
  OCTET_CHECK(as.size() >= 2 && bs.size() >= 2, node.describe(), ": MatMul of scalars");
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  const Shape batch = broadcast_shapes({&a_batch, &b_batch}, node.describe());
  const BroadcastPlan plan(batch, {&a_batch, &b_batch}, node.describe());
  Tensor da(DType::kFloat32, a.shape()), db(DType::kFloat32, b.shape());
  const float *pa = a.data<float>(), *pb = b.data<float>(), *pg = dy.data<float>();
  // dA[ia] += dY[o] B[ib]^T and dB[ib] += A[ia]^T dY[o]: a broadcast operand gathers every product
  // it took part in.
  plan.for_segments(0, plan.numel(), [&](int64_t o0, const int64_t* in, int64_t count) {
    for (int64_t j = 0; j < count; ++j) {
      const int64_t o = o0 + j, ia = in[0] + j * plan.step(0), ib = in[1] + j * plan.step(1);
      if (wants(ctx, 0))
        matmul_acc(pg + o * m * n, false, pb + ib * k * n, true, da.data<float>() + ia * m * k, m, k, n, 1);
      if (wants(ctx, 1))
        matmul_acc(pa + ia * m * k, true, pg + o * m * n, false, db.data<float>() + ib * k * n, k, n, m, 1);
    }
  });
  if (wants(ctx, 0)) ctx.grad_inputs[0] = da;
  if (wants(ctx, 1)) ctx.grad_inputs[1] = db;
}

}  // namespace

void register_gemm_backward(BackwardTable& t) {
  t["Gemm"] = gemm_backward;
  t["MatMul"] = matmul_backward;
}

}  // namespace octet::train
