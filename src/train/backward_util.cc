#include "train/backward_util.h"

#include <algorithm>

#include "ops/broadcast.h"

namespace octet::train {

void check_differentiable(BackwardContext& ctx, std::initializer_list<size_t> differentiable) {
  if (ctx.grad_inputs.size() < ctx.inputs.size()) ctx.grad_inputs.resize(ctx.inputs.size());
  for (size_t i = 0; i < ctx.wants_grad.size(); ++i) {
    if (!ctx.wants_grad[i] || std::find(differentiable.begin(), differentiable.end(), i) != differentiable.end())
      continue;
    fail(ctx.node.describe(), ": input ", i, " ('", i < ctx.node.inputs.size() ? ctx.node.inputs[i] : "",
         "') has no gradient: ", ctx.node.op_type, " is not differentiable in it");
  }
}

Tensor grad_output(const BackwardContext& ctx, size_t i) {
  OCTET_CHECK(i < ctx.outputs.size() && ctx.outputs[i], ctx.node.describe(), ": the backward needs output ", i);
  if (i < ctx.grad_outputs.size() && ctx.grad_outputs[i]) {
    const Tensor& g = *ctx.grad_outputs[i];
    OCTET_CHECK(g.dtype() == DType::kFloat32 && g.shape() == ctx.outputs[i]->shape(), ctx.node.describe(),
                ": the gradient of output ", i, " must be float32 ", shape_str(ctx.outputs[i]->shape()), ", got ",
                dtype_name(g.dtype()), " ", shape_str(g.shape()));
    return g;
  }
  return Tensor(DType::kFloat32, ctx.outputs[i]->shape());
}

const Tensor& input(const BackwardContext& ctx, size_t i) {
  OCTET_CHECK(i < ctx.inputs.size() && ctx.inputs[i], ctx.node.describe(), ": the backward needs input ", i);
  return *ctx.inputs[i];
}

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  Tensor r(DType::kFloat32, shape);
  const BroadcastPlan plan(g.shape(), {&shape}, "gradient of " + shape_str(shape));
  const float* pg = g.data<float>();
  float* pr = r.data<float>();
  const int64_t step = plan.step(0);
  plan.for_segments(0, plan.numel(), [&](int64_t out, const int64_t* in, int64_t n) {
    for (int64_t j = 0; j < n; ++j) pr[in[0] + j * step] += pg[out + j];
  });
  return r;
}

// Each row is summed in 8 running partial sums (lane j takes positions j, j + 8, ...; a fixed
// order, so the same bits on every call), which the compiler keeps in vector registers: one
// running sum would be a chain of dependent additions.
Tensor channel_sum(const Tensor& g) {
  const int64_t n = g.dim(0), c = g.dim(1), inner = n * c == 0 ? 0 : g.numel() / (n * c);
  Tensor r(DType::kFloat32, {c});
  const float* pg = g.data<float>();
  float* pr = r.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* row = pg + (b * c + ch) * inner;
      float part[8] = {};
      int64_t i = 0;
      for (; i + 8 <= inner; i += 8)
        for (int j = 0; j < 8; ++j) part[j] += row[i + j];
      for (; i < inner; ++i) part[i % 8] += row[i];
      float sum = 0;
      for (float p : part) sum += p;
      pr[ch] += sum;
    }
  return r;
}

void add_strided(float* dst, const std::vector<int64_t>& dst_strides, const float* src,
                 const std::vector<int64_t>& src_strides, const Shape& shape) {
  const int r = static_cast<int>(shape.size());
  if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d == 0; })) return;
  std::vector<int64_t> idx(r, 0);
  int64_t to = 0, from = 0;
  while (true) {
    dst[to] += src[from];
    int d = r - 1;
    for (; d >= 0; --d) {  // odometer over shape, tracking both offsets
      to += dst_strides[d];
      from += src_strides[d];
      if (++idx[d] < shape[d]) break;
      to -= dst_strides[d] * shape[d];
      from -= src_strides[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace octet::train
