// Backward of the binary arithmetic ops with multidirectional broadcasting (ONNX
// docs/Broadcasting.md): each output element adds its partial derivatives into the input elements
// it read, so an input broadcast along an axis gets the gradient summed over that axis.
#include <utility>

#include "ops/broadcast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

// f(a, b, dL/dy) -> {dL/da, dL/db} contributions of one output element.
template <class F>
void binary(BackwardContext& ctx, F f) {
  check_differentiable(ctx, {0, 1});
  const Tensor& a = input(ctx, 0);
  const Tensor& b = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const BroadcastPlan plan(dy.shape(), {&a.shape(), &b.shape()}, ctx.node.describe());
  Tensor da(DType::kFloat32, a.shape()), db(DType::kFloat32, b.shape());
  const float *pa = a.data<float>(), *pb = b.data<float>(), *pg = dy.data<float>();
  float *qa = da.data<float>(), *qb = db.data<float>();
  const int64_t sa = plan.step(0), sb = plan.step(1);
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t ia = in[0] + j * sa, ib = in[1] + j * sb;
      const auto [ga, gb] = f(pa[ia], pb[ib], pg[o + j]);
      qa[ia] += ga;
      qb[ib] += gb;
    }
  });
  if (wants(ctx, 0)) ctx.grad_inputs[0] = da;
  if (wants(ctx, 1)) ctx.grad_inputs[1] = db;
}

void add_backward(BackwardContext& ctx) {
  binary(ctx, [](float, float, float g) { return std::pair(g, g); });
}

void sub_backward(BackwardContext& ctx) {
  binary(ctx, [](float, float, float g) { return std::pair(g, -g); });
}

void mul_backward(BackwardContext& ctx) {
  binary(ctx, [](float a, float b, float g) { return std::pair(g * b, g * a); });
}

// y = a / b: dy/da = 1 / b, dy/db = -a / b^2.
void div_backward(BackwardContext& ctx) {
  binary(ctx, [](float a, float b, float g) { return std::pair(g / b, -g * a / (b * b)); });
}

}  // namespace

void register_elementwise_backward(BackwardTable& t) {
  t["Add"] = add_backward;
  t["Sub"] = sub_backward;
  t["Mul"] = mul_backward;
  t["Div"] = div_backward;
}

}  // namespace octet::train
