// Backward of the normalizations octet runs in float.
// LayerNormalization (opset 17) over each row of the dims [axis, rank): with x^ = (x - mean) * r,
// r = 1 / sqrt(var + eps) and y = Scale x^ + B, dL/dx = r (d - mean(d) - x^ mean(d x^)) where
// d = Scale dL/dy (the row statistics' own gradients folded in), dL/dScale = sum over the rows of
// dL/dy x^, dL/dB = sum of dL/dy. The Mean and InvStdDev outputs are not trained through.
// BatchNormalization in inference form, y = scale (x - mean) / sqrt(var + eps) + B per channel of
// [N, C, ...]: the statistics are constants, so the map is affine in x, scale and B.
#include <cmath>
#include <vector>

#include "ops/op_args.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void check_not_read(const BackwardContext& ctx, size_t from) {
  for (size_t i = from; i < ctx.grad_outputs.size(); ++i)
    OCTET_CHECK(!ctx.grad_outputs[i], ctx.node.describe(), ": QAT does not train through output ", i, " ('",
                ctx.node.outputs[i], "'), only through Y");
}

void layer_norm_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  check_not_read(ctx, 1);
  const Tensor& x = input(ctx, 0);
  const Tensor& scale = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", -1), x.rank());
  int64_t rows = 1, cols = 1;
  for (int i = 0; i < x.rank(); ++i) (i < axis ? rows : cols) *= x.dim(i);
  OCTET_CHECK(scale.numel() == cols || scale.numel() == 1, ctx.node.describe(), ": Scale has shape ",
              shape_str(scale.shape()), ", expected the normalized shape (", cols, " values)");
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2];
  OCTET_CHECK(!wants(ctx, 2) || has_bias, ctx.node.describe(), ": the backward needs input 2");
  const double eps = ctx.node.attr_float("epsilon", 1e-5f);
  const float *px = x.data<float>(), *pg = dy.data<float>(), *ps = scale.data<float>();
  const int64_t s_step = scale.numel() == 1 ? 0 : 1, b_step = has_bias && ctx.inputs[2]->numel() == 1 ? 0 : 1;
  OCTET_CHECK(!has_bias || ctx.inputs[2]->numel() == cols || b_step == 0, ctx.node.describe(), ": B has shape ",
              shape_str(ctx.inputs[2]->shape()), ", expected the normalized shape (", cols, " values)");
  Tensor dx(DType::kFloat32, x.shape()), dscale(DType::kFloat32, scale.shape());
  Tensor dbias(DType::kFloat32, has_bias ? ctx.inputs[2]->shape() : Shape{});
  float *qx = dx.data<float>(), *qs = dscale.data<float>(), *qb = dbias.data<float>();
  std::vector<double> xhat(cols), d(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = px + r * cols;
    const float* gr = pg + r * cols;
    double mean = 0, var = 0;
    for (int64_t c = 0; c < cols; ++c) mean += xr[c];
    mean /= static_cast<double>(cols);
    for (int64_t c = 0; c < cols; ++c) var += (xr[c] - mean) * (xr[c] - mean);
    const double inv = 1 / std::sqrt(var / static_cast<double>(cols) + eps);
    double mean_d = 0, mean_dx = 0;
    for (int64_t c = 0; c < cols; ++c) {
      xhat[c] = (xr[c] - mean) * inv;
      d[c] = static_cast<double>(gr[c]) * ps[c * s_step];
      mean_d += d[c];
      mean_dx += d[c] * xhat[c];
      qs[c * s_step] += static_cast<float>(gr[c] * xhat[c]);
      if (has_bias) qb[c * b_step] += gr[c];
    }
    mean_d /= static_cast<double>(cols);
    mean_dx /= static_cast<double>(cols);
    for (int64_t c = 0; c < cols; ++c) qx[r * cols + c] = static_cast<float>(inv * (d[c] - mean_d - xhat[c] * mean_dx));
  }
  if (wants(ctx, 0)) ctx.grad_inputs[0] = dx;
  if (wants(ctx, 1)) ctx.grad_inputs[1] = dscale;
  if (wants(ctx, 2)) ctx.grad_inputs[2] = dbias;
}

void batch_norm_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  OCTET_CHECK(ctx.node.attr_int("training_mode", 0) == 0, ctx.node.describe(),
              ": QAT trains through BatchNormalization in inference form only (training_mode=0)");
  check_not_read(ctx, 1);
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const int64_t n = x.dim(0), c = x.dim(1), inner = n * c == 0 ? 0 : x.numel() / (n * c);
  const float *px = x.data<float>(), *pg = dy.data<float>(), *scale = input(ctx, 1).data<float>(),
              *mean = input(ctx, 3).data<float>(), *var = input(ctx, 4).data<float>();
  const double eps = ctx.node.attr_float("epsilon", 1e-5f);
  Tensor dx(DType::kFloat32, x.shape()), dscale(DType::kFloat32, {c}), dbias(DType::kFloat32, {c});
  for (int64_t ch = 0; ch < c; ++ch) {
    const double inv = 1 / std::sqrt(static_cast<double>(var[ch]) + eps);
    double ds = 0, db = 0;
    for (int64_t b = 0; b < n; ++b) {
      const int64_t base = (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const float g = pg[base + i];
        dx.data<float>()[base + i] = static_cast<float>(g * scale[ch] * inv);
        ds += g * (px[base + i] - mean[ch]) * inv;
        db += g;
      }
    }
    dscale.data<float>()[ch] = static_cast<float>(ds);
    dbias.data<float>()[ch] = static_cast<float>(db);
  }
  if (wants(ctx, 0)) ctx.grad_inputs[0] = dx;
  if (wants(ctx, 1)) ctx.grad_inputs[1] = dscale.reshaped(input(ctx, 1).shape());
  if (wants(ctx, 2)) ctx.grad_inputs[2] = dbias.reshaped(input(ctx, 2).shape());
}

}  // namespace

void register_norm_backward(BackwardTable& t) {
  t["LayerNormalization"] = layer_norm_backward;
  t["BatchNormalization"] = batch_norm_backward;
}

}  // namespace octet::train
