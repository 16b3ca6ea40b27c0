// Backward of the other ops with multidirectional broadcasting (ONNX docs/Broadcasting.md): Where
// sends dL/dy to X where the condition holds and to Y elsewhere; Pow to the base (b a^(b-1)) and
// the exponent (a^b ln a, for a > 0; 0 elsewhere, where a^b is not differentiable in b); Max and
// Min all of it to the first input that holds the result (in input order; later ties get none, so
// the gradients sum to dL/dy). An input broadcast along an axis gets the gradient summed over it.
#include <cmath>
#include <utility>

#include "ops/cast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void where_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {1, 2});
  const Tensor& cond = input(ctx, 0);
  OCTET_CHECK(cond.dtype() == DType::kBool, ctx.node.describe(), ": condition must be bool, got ",
              dtype_name(cond.dtype()));
  const Tensor& x = input(ctx, 1);
  const Tensor& y = input(ctx, 2);
  const Tensor dy = grad_output(ctx, 0);
  const BroadcastPlan plan(dy.shape(), {&cond.shape(), &x.shape(), &y.shape()}, ctx.node.describe());
  Tensor dx(DType::kFloat32, x.shape()), dz(DType::kFloat32, y.shape());
  const bool* pc = cond.data<bool>();
  const float* pg = dy.data<float>();
  float *qx = dx.data<float>(), *qy = dz.data<float>();
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      if (pc[in[0] + j * plan.step(0)]) qx[in[1] + j * plan.step(1)] += pg[o + j];
      else qy[in[2] + j * plan.step(2)] += pg[o + j];
    }
  });
  if (wants(ctx, 1)) ctx.grad_inputs[1] = dx;
  if (wants(ctx, 2)) ctx.grad_inputs[2] = dz;
}

void pow_backward(BackwardContext& ctx) {
  // An integer exponent (Pow(x, 2) as exporters write it) is read as float; it has no gradient.
  const Tensor* exponent = ctx.inputs.size() > 1 ? ctx.inputs[1] : nullptr;
  Tensor as_float;
  if (exponent && exponent->dtype() != DType::kFloat32) {
    check_differentiable(ctx, {0});
    as_float = cast_tensor(*exponent, DType::kFloat32);
    ctx.inputs[1] = &as_float;
  }
  binary_backward(ctx, [](float a, float b, float y, float g) {
    return std::pair(g * b * std::pow(a, b - 1), a > 0 ? g * y * std::log(a) : 0.0f);
  });
  ctx.inputs[1] = exponent;
}

// Each input in turn takes the gradient of the outputs it equals that no earlier input took.
void extremum_backward(BackwardContext& ctx) {
  const Tensor dy = grad_output(ctx, 0);
  const float *py = ctx.outputs[0]->data<float>(), *pg = dy.data<float>();
  ctx.grad_inputs.resize(std::max(ctx.grad_inputs.size(), ctx.inputs.size()));  // every input is differentiable
  std::vector<bool> taken(dy.numel(), false);
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const Tensor& x = input(ctx, i);
    const BroadcastPlan plan(dy.shape(), {&x.shape()}, ctx.node.describe());
    Tensor dx(DType::kFloat32, x.shape());
    const float* px = x.data<float>();
    float* pd = dx.data<float>();
    plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
      for (int64_t j = 0; j < n; ++j) {
        const int64_t k = in[0] + j * plan.step(0);
        if (taken[o + j] || px[k] != py[o + j]) continue;
        pd[k] += pg[o + j];
        taken[o + j] = true;
      }
    });
    if (wants(ctx, i)) ctx.grad_inputs[i] = dx;
  }
}

}  // namespace

void register_broadcast_backward(BackwardTable& t) {
  t["Where"] = where_backward;
  t["Pow"] = pow_backward;
  t["Max"] = extremum_backward;
  t["Min"] = extremum_backward;
}

}  // namespace octet::train
