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

}  // namespace octet::train
