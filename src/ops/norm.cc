// Normalization: BatchNormalization (inference), InstanceNormalization, LayerNormalization
// (opset 17). Statistics are accumulated in double so long rows (LayerNorm over 768 or more)
// match ONNX Runtime within float rounding.
#include <cmath>
#include <string>
#include <vector>

#include "ir/octet_ops.h"
#include "kernels/vmath.h"
#include "ops/broadcast.h"
#include "ops/op_args.h"
#include "ops/registry.h"

namespace octet {

namespace {

void check_float(const KernelContext& ctx, const Tensor& t, const char* what) {
  OCTET_CHECK(t.dtype() == DType::kFloat32, ctx.node.describe(), ": ", what, " must be float32, got ",
              dtype_name(t.dtype()));
}

void check_channels(const KernelContext& ctx, const Tensor& t, int64_t c, const char* what) {
  check_float(ctx, t, what);
  OCTET_CHECK(t.numel() == c, ctx.node.describe(), ": ", what, " has shape ", shape_str(t.shape()), ", expected ", c,
              " values (one per channel)");
}

// y = scale * (x - mean) / sqrt(var + eps) + bias per channel of [N, C, ...]: folded into one
// multiply-add per element.
void batch_norm(KernelContext& ctx) {
  OCTET_CHECK(ctx.node.attr_int("training_mode", 0) == 0, ctx.node.describe(),
              ": training_mode=1 is not supported (octet runs BatchNormalization in inference mode)");
  const Tensor& x = ctx.input(0);
  check_float(ctx, x, "X");
  OCTET_CHECK(x.rank() >= 2, ctx.node.describe(), ": X must be [N, C, ...], got ", shape_str(x.shape()));
  const int64_t n = x.dim(0), c = x.dim(1), inner = x.numel() / std::max<int64_t>(1, n * c);
  const char* names[] = {"scale", "B", "input_mean", "input_var"};
  for (int i = 1; i <= 4; ++i) check_channels(ctx, ctx.input(i), c, names[i - 1]);
  const float eps = ctx.node.attr_float("epsilon", 1e-5f);
  std::vector<float> mul(c), add(c);
  for (int64_t i = 0; i < c; ++i) {
    mul[i] = ctx.input(1).data<float>()[i] / std::sqrt(ctx.input(4).data<float>()[i] + eps);
    add[i] = ctx.input(2).data<float>()[i] - ctx.input(3).data<float>()[i] * mul[i];
  }
  Tensor y(DType::kFloat32, x.shape());
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
  // An empty X has no plane to scale, however many N x C it declares (2^40: a hang).
  if (y.numel() > 0) {
    ctx.pool.parallel_for(n * c, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const float m = mul[p % c], a = add[p % c];
        const float* xp = xs + p * inner;
        float* yp = ys + p * inner;
        for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * m + a;
      }
    });
  }
  ctx.outputs[0] = y;
  // Opsets before 14 allow the running statistics as extra outputs; in inference they are the inputs.
  for (size_t i = 1; i < ctx.outputs.size() && i <= 2; ++i)
    if (!ctx.node.outputs[i].empty()) ctx.outputs[i] = ctx.input(i + 2).clone();
}

// Mean and 1/sqrt(var + eps) of `n` values, in double lanes on the chosen ISA (kernels/vmath.h):
// vectorized, and in a fixed order whatever the thread count.
void row_stats(const float* x, int64_t n, float eps, float* mean, float* inv_std) {
  if (n == 0) {
    *mean = 0;
    *inv_std = static_cast<float>(1.0 / std::sqrt(double(eps)));
    return;
  }
  kernels::vmath().moments(n, x, eps, mean, inv_std);
}

void instance_norm(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  check_float(ctx, x, "input");
  OCTET_CHECK(x.rank() >= 3, ctx.node.describe(), ": input must be [N, C, d1, ...], got ", shape_str(x.shape()));
  const int64_t n = x.dim(0), c = x.dim(1), inner = x.numel() / std::max<int64_t>(1, n * c);
  check_channels(ctx, ctx.input(1), c, "scale");
  check_channels(ctx, ctx.input(2), c, "B");
  const float eps = ctx.node.attr_float("epsilon", 1e-5f);
  const float* scale = ctx.input(1).data<float>();
  const float* bias = ctx.input(2).data<float>();
  Tensor y(DType::kFloat32, x.shape());
  ctx.outputs[0] = y;
  if (y.numel() == 0) return;  // no plane to normalize, however many N x C declare (2^40: a hang)
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
  ctx.pool.parallel_for(n * c, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      float mean, inv;
      row_stats(xs + p * inner, inner, eps, &mean, &inv);
      const float m = scale[p % c] * inv, a = bias[p % c] - mean * m;
      for (int64_t i = 0; i < inner; ++i) ys[p * inner + i] = xs[p * inner + i] * m + a;
    }
  });
  ctx.outputs[0] = y;
}

// LayerNormalization (opset 17): normalizes over dims [axis, rank); Scale and B broadcast over
// that normalized shape; optional outputs Mean and InvStdDev have X's shape with those dims = 1.
// com.octet AddLayerNorm(A, B, Scale, Bias) with LayerNormalization's attributes is
// LayerNormalization(Add(A, B), Scale, Bias) (passes/fuse_add_layernorm.h): one pass over A and
// B when their shapes agree, the same bits as the two ops.
template <bool kAdd>
void layer_norm(KernelContext& ctx) {
  constexpr size_t kScale = kAdd ? 2 : 1;
  Tensor x = ctx.input(0);
  check_float(ctx, x, kAdd ? "A" : "X");
  const Tensor* residual = nullptr;
  if (kAdd) {
    const Tensor& b = ctx.input(1);
    check_float(ctx, b, "B");
    if (b.shape() == x.shape()) {
      residual = &b;
    } else {  // a broadcasting Add: computed on its own first
      const std::string who = ctx.node.describe() + ": ";
      const Shape out = broadcast_shapes({&x.shape(), &b.shape()}, who);
      const BroadcastPlan plan(out, {&x.shape(), &b.shape()}, who);
      Tensor sum = Tensor::uninitialized(DType::kFloat32, out);
      const float *pa = x.data<float>(), *pb = b.data<float>();
      float* ps = sum.data<float>();
      plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
        for (int64_t i = 0; i < n; ++i) ps[o + i] = pa[in[0] + i * plan.step(0)] + pb[in[1] + i * plan.step(1)];
      });
      x = sum;
    }
  }
  const int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", -1), x.rank());
  int64_t rows = 1, cols = 1;
  for (int i = 0; i < x.rank(); ++i) (i < axis ? rows : cols) *= x.dim(i);
  const Tensor& scale = ctx.input(kScale);
  const Tensor* bias = ctx.optional_input(kScale + 1);
  check_float(ctx, scale, "Scale");
  OCTET_CHECK(scale.numel() == cols || scale.numel() == 1, ctx.node.describe(), ": Scale has shape ",
              shape_str(scale.shape()), ", expected the normalized shape (", cols, " values)");
  if (bias) {
    check_float(ctx, *bias, "B");
    OCTET_CHECK(bias->numel() == cols || bias->numel() == 1, ctx.node.describe(), ": B has shape ",
                shape_str(bias->shape()), ", expected the normalized shape (", cols, " values)");
  }
  const float eps = ctx.node.attr_float("epsilon", 1e-5f);
  Shape stat_shape = x.shape();
  for (int i = static_cast<int>(axis); i < x.rank(); ++i) stat_shape[i] = 1;
  Tensor y = Tensor::uninitialized(DType::kFloat32, x.shape());
  Tensor mean_t(DType::kFloat32, stat_shape), inv_t(DType::kFloat32, stat_shape);
  // A one-value Scale or B spread over the row, so the row kernel reads vectors only.
  std::vector<float> g_row, b_row;
  const float* g = scale.data<float>();
  const float* bs = bias ? bias->data<float>() : nullptr;
  if (scale.numel() == 1 && cols > 1) g_row.assign(cols, g[0]), g = g_row.data();
  if (bias && bias->numel() == 1 && cols > 1) b_row.assign(cols, bs[0]), bs = b_row.data();
  const float* xs = x.data<float>();
  const float* rs = residual ? residual->data<float>() : nullptr;
  float* ys = y.data<float>();
  const auto& kernel = kernels::vmath().layer_norm;
  ctx.pool.parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      float* mean = mean_t.data<float>() + r;
      float* inv = inv_t.data<float>() + r;
      if (cols == 0) {
        row_stats(nullptr, 0, eps, mean, inv);
        continue;
      }
      kernel(cols, xs + r * cols, rs ? rs + r * cols : nullptr, g, bs, eps, ys + r * cols, mean, inv);
    }
  });
  ctx.outputs[0] = y;
  if (ctx.outputs.size() > 1) ctx.outputs[1] = mean_t;
  if (ctx.outputs.size() > 2) ctx.outputs[2] = inv_t;
}

}  // namespace

void register_norm_ops(OpRegistry& r) {
  r.add("BatchNormalization", batch_norm);
  r.add("InstanceNormalization", instance_norm);
  r.add("LayerNormalization", layer_norm<false>);
  r.add(octet_op::kAddLayerNorm, layer_norm<true>, kOctetDomain);  // passes/fuse_add_layernorm.h
}

}  // namespace octet
