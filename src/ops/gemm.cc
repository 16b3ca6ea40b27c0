// Gemm and MatMul (ONNX opsets 11..21) as oneDNN matmul primitives. A constant B is reordered once
// into the primitive's preferred layout; [.., M, K] x constant [K, N] folds the batch into M.
// Transposes are strided views, never copies. com.octet MatMulBias(A, B, bias) is MatMul then
// + bias over the last axis, with B constant [K, N] and bias constant float32 [N] or [1, .., 1, N]
// (made by passes/fuse_matmul_bias.cc): the bias rides in the primitive instead of a second pass.
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "ir/octet_ops.h"
#include "ops/batched_matmul.h"
#include "ops/dnnl_util.h"
#include "ops/registry.h"

namespace octet {
namespace {

using dnnl::memory;
namespace du = dnnl_util;

// One matmul configuration: its primitive and the output shape octet sees.
struct MatmulPlan {
  du::WeightedPrimitive prim;
  Shape out_shape;
  bool runnable = false;  // false when the output or K is empty
  // A batch of products with a non-constant B (attention's Q K^T and P V): ops/batched_matmul.h
  // instead of the primitive.
  bool per_product = false;
  BatchedProducts products;
};

MatmulPlan make_matmul(const Node& node, const memory::desc& a, const memory::desc& b_plain, bool b_const,
                       const memory::dims& out_dims, const dnnl::primitive_attr& attr,
                       const memory::desc& bias = memory::desc()) {
  MatmulPlan plan;
  const memory::desc dst = du::plain_desc(out_dims);
  const memory::desc b_want =
      b_const ? memory::desc(b_plain.dims(), memory::data_type::f32, memory::format_tag::any) : b_plain;
  try {
    dnnl::matmul::desc d(a, b_want, bias, dst);
    plan.prim = du::WeightedPrimitive(dnnl::matmul::primitive_desc(d, attr, du::engine()), a, b_plain, dst);
  } catch (const dnnl::error& e) {
    fail(node.describe(), ": oneDNN cannot run this configuration (", e.what(), ")");
  }
  plan.runnable = true;
  return plan;
}

// numpy matmul: 1-D operands get a dimension prepended (A) or appended (B) that the output drops;
// batch dimensions broadcast.
class MatMulKernel final : public OpKernel {
 public:
  explicit MatMulKernel(const KernelInit& init) {
    if (const Tensor* b = init.constant_input(1)) const_b_ = *b;
    if (init.node.domain == kOctetDomain) {  // MatMulBias
      const Tensor* bias = init.constant_input(2);
      OCTET_CHECK(const_b_.defined() && const_b_.rank() == 2 && bias && bias->dtype() == DType::kFloat32 &&
                      bias->rank() >= 1 && bias->numel() == const_b_.dim(1) &&
                      bias->dim(bias->rank() - 1) == const_b_.dim(1),
                  init.node.describe(), ": needs a constant 2-D B [K, N] and a constant float32 bias [N]");
      bias_ = *bias;
    }
  }

  void run(KernelContext& ctx) override {
    const Node& node = ctx.node;
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    OCTET_CHECK(a.dtype() == DType::kFloat32 && b.dtype() == DType::kFloat32, node.describe(),
                ": only float32 is supported, got ", dtype_name(a.dtype()));
    OCTET_CHECK(a.rank() >= 1 && b.rank() >= 1, node.describe(), ": MatMul operands must be at least 1-D");
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t macs = std::max(a.numel() * b.shape().back(), b.numel() * (a.rank() > 1 ? a.dim(-2) : 1));
    const int omp_threads = du::threads_for(macs, ctx.pool.size());
    auto key = std::make_pair(a.shape(), b.shape());
    auto it = plans_.find(key);
    if (it == plans_.end()) {
      // Before the primitive is made: oneDNN fixes a primitive's thread count when it creates it.
      du::OpenMpThreads omp(ctx.pool, omp_threads);
      it = plans_.emplace(key, plan(node, a.shape(), b.shape())).first;
    }
    MatmulPlan& p = it->second;
    Tensor y = p.runnable ? Tensor::uninitialized(DType::kFloat32, p.out_shape) : Tensor(DType::kFloat32, p.out_shape);
    const float* bias = bias_.defined() ? bias_.data<float>() : nullptr;
    if (p.per_product) {  // octet's pool, no OpenMP team: the workers keep polling
      run_products(p.products, a.data<float>(), b.data<float>(), y.data<float>(), ctx.pool);
    } else if (p.runnable) {
      du::OpenMpThreads omp(ctx.pool, omp_threads);
      p.prim.execute(a.data<float>(), b.data<float>(), bias, bias ? du::plain_desc({1, bias_.numel()}) : memory::desc(),
                     y.data<float>());
    } else if (bias) {  // K = 0: the product is empty, the bias remains
      for (int64_t i = 0; i < y.numel(); ++i) y.data<float>()[i] = bias[i % bias_.numel()];
    }
    ctx.outputs[0] = std::move(y);
  }

 private:
  // numpy's checks and output shape come from plan_products (ops/batched_matmul.h), which also
  // runs the products when B is computed and batched; the other cases get a primitive.
  MatmulPlan plan(const Node& node, const Shape& as, const Shape& bs) {
    MatmulPlan p;
    p.products = plan_products(contiguous_view(as), contiguous_view(bs), node.describe() + ": ");
    p.out_shape = p.products.out_shape;
    const int64_t k = p.products.k, n = p.products.n;
    if (shape_numel(p.out_shape) == 0 || k == 0) return p;
    // The operands as the primitive sees them: 1-D promoted, batch dims padded to one rank.
    Shape pa = as, pb = bs;
    if (pa.size() == 1) pa.insert(pa.begin(), 1);
    if (pb.size() == 1) pb.push_back(1);
    const size_t rank = std::max(pa.size(), pb.size());
    pa.insert(pa.begin(), rank - pa.size(), 1);
    pb.insert(pb.begin(), rank - pb.size(), 1);
    Shape dims(rank);
    for (size_t i = 0; i + 2 < rank; ++i) dims[i] = pa[i] == 1 ? pb[i] : pa[i];
    dims[rank - 2] = p.products.m;
    dims[rank - 1] = n;
    const bool b_const = const_b_.defined();
    if (b_const && bs.size() == 2) {  // the batch of A folds into M against a constant 2-D B
      const int64_t rows = shape_numel(pa) / k;
      p.prim = make_matmul(node, du::plain_desc({rows, k}), du::plain_desc({k, n}), true, {rows, n}, {},
                           bias_.defined() ? du::plain_desc({1, n}) : memory::desc())
                   .prim;
    } else if (!b_const && !bias_.defined() && p.products.a_offset.size() > 1) {
      p.per_product = true;
    } else {
      p.prim = make_matmul(node, du::plain_desc(du::to_dims(pa)), du::plain_desc(du::to_dims(pb)), b_const,
                           du::to_dims(dims), {})
                   .prim;
    }
    p.runnable = true;
    if (b_const && !p.per_product) p.prim.pack_weights(const_b_.data<float>());
    return p;
  }

  Tensor const_b_;
  Tensor bias_;  // MatMulBias only
  std::mutex mu_;
  std::map<std::pair<Shape, Shape>, MatmulPlan> plans_;
};

// Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (likewise B'), C broadcast
// unidirectionally to [M, N]. alpha is dnnl's output scale; beta * C is written into Y first and
// accumulated by a sum post-op.
class GemmKernel final : public OpKernel {
 public:
  explicit GemmKernel(const KernelInit& init)
      : alpha_(init.node.attr_float("alpha", 1.f)),
        beta_(init.node.attr_float("beta", 1.f)),
        trans_a_(init.node.attr_int("transA", 0) != 0),
        trans_b_(init.node.attr_int("transB", 0) != 0) {
    if (const Tensor* b = init.constant_input(1)) const_b_ = *b;
  }

  void run(KernelContext& ctx) override {
    const Node& node = ctx.node;
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.optional_input(2);
    OCTET_CHECK(a.dtype() == DType::kFloat32 && b.dtype() == DType::kFloat32 && (!c || c->dtype() == DType::kFloat32),
                node.describe(), ": only float32 is supported, got ", dtype_name(a.dtype()));
    OCTET_CHECK(a.rank() == 2 && b.rank() == 2, node.describe(), ": Gemm operands must be 2-D, got ",
                shape_str(a.shape()), " and ", shape_str(b.shape()));
    const int64_t m = trans_a_ ? a.dim(1) : a.dim(0), k = trans_a_ ? a.dim(0) : a.dim(1);
    const int64_t n = trans_b_ ? b.dim(0) : b.dim(1);
    OCTET_CHECK((trans_b_ ? b.dim(1) : b.dim(0)) == k, node.describe(),
                ": inner dimensions differ: ", shape_str(a.shape()), " x ", shape_str(b.shape()));
    Tensor y(DType::kFloat32, {m, n});
    const bool add_c = c && beta_ != 0.f;
    if (add_c) fill_c(node, *c, y);
    if (m > 0 && n > 0 && k > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      // Before any plan is made: oneDNN fixes a primitive's thread count when it creates it.
      du::OpenMpThreads omp(ctx.pool, du::threads_for(m * n * k, ctx.pool.size()));
      auto key = std::make_tuple(a.shape(), b.shape(), add_c);
      auto it = plans_.find(key);
      if (it == plans_.end()) {
        dnnl::primitive_attr attr;
        attr.set_output_scales(0, {alpha_});
        dnnl::post_ops ops;
        if (add_c) ops.append_sum(1.f);
        attr.set_post_ops(ops);
        // Transposes as strides over the row-major operands.
        auto view = [](int64_t rows, int64_t cols, bool t) {
          return t ? du::strided_desc({rows, cols}, {1, rows}) : du::plain_desc({rows, cols});
        };
        MatmulPlan p = make_matmul(node, view(m, k, trans_a_), view(k, n, trans_b_), const_b_.defined(), {m, n}, attr);
        if (const_b_.defined()) p.prim.pack_weights(const_b_.data<float>());
        it = plans_.emplace(key, std::move(p)).first;
      }
      it->second.prim.execute(a.data<float>(), b.data<float>(), nullptr, memory::desc(), y.data<float>());
    }  // else an empty product: y is beta * C (or zeros) already
    ctx.outputs[0] = std::move(y);
  }

 private:
  // y = beta * C broadcast to y's [M, N] (C may be a scalar, [N], [1, N], [M, 1] or [M, N]).
  void fill_c(const Node& node, const Tensor& c, Tensor& y) const {
    const int64_t m = y.dim(0), n = y.dim(1);
    OCTET_CHECK(c.rank() <= 2, node.describe(), ": C ", shape_str(c.shape()), " does not broadcast to [", m, ",", n,
                "]");
    const int64_t cm = c.rank() == 2 ? c.dim(0) : 1, cn = c.rank() >= 1 ? c.dim(-1) : 1;
    OCTET_CHECK((cm == m || cm == 1) && (cn == n || cn == 1), node.describe(), ": C ", shape_str(c.shape()),
                " does not broadcast to [", m, ",", n, "]");
    const float* pc = c.data<float>();
    float* py = y.data<float>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) py[i * n + j] = beta_ * pc[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
  }

  float alpha_, beta_;
  bool trans_a_, trans_b_;
  Tensor const_b_;
  std::mutex mu_;
  std::map<std::tuple<Shape, Shape, bool>, MatmulPlan> plans_;
};

}  // namespace

void register_transposed_matmul(OpRegistry& r);  // transposed_matmul.cc

void register_gemm_ops(OpRegistry& r) {
  register_transposed_matmul(r);
  r.add("Gemm", [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<GemmKernel>(init); });
  auto matmul = [](const KernelInit& init) -> std::unique_ptr<OpKernel> {
    return std::make_unique<MatMulKernel>(init);
  };
  r.add("MatMul", matmul);
  r.add(octet_op::kMatMulBias, matmul, kOctetDomain);
}

}  // namespace octet
