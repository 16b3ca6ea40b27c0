// Backward of the reductions: ReduceSum sends each sum's gradient to every element of its set,
// ReduceMean the same divided by the set's size, ReduceMax all of it to the set's first maximum (in
// row-major order; the elements tied with it get none, so the gradients of a set sum to its dL/dy).
#include <algorithm>

#include "ops/broadcast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

// The reduced axes (attribute `axes` before opset `input_since`, input 1 from then on; none: all,
// or nothing with noop_with_empty_axes) as x's shape with those dims 1: dL/dy's shape with keepdims.
Shape kept_shape(const BackwardContext& ctx, const Shape& x, int input_since) {
  const Node& node = ctx.node;
  const bool as_input = node.opset >= input_since;
  std::vector<int64_t> axes = node.attr_ints("axes");
  if (as_input && ctx.inputs.size() > 1 && ctx.inputs[1]) axes = ctx.inputs[1]->to_int64_vector();
  const int r = static_cast<int>(x.size());
  Shape kept = x;
  if (axes.empty()) {
    if (!(as_input && node.attr_int("noop_with_empty_axes", 0) != 0)) std::fill(kept.begin(), kept.end(), 1);
    return kept;
  }
  for (int64_t a : axes) {
    OCTET_CHECK(a >= -r && a < r, node.describe(), ": axis ", a, " out of range for rank ", r);
    kept[a < 0 ? a + r : a] = 1;
  }
  return kept;
}

// Calls f(x offset, dL/dy offset, n, dL/dy step) over x's elements, each paired with its set's dL/dy.
template <class F>
void over_sets(const BackwardContext& ctx, const Shape& x, int input_since, F f) {
  const Shape kept = kept_shape(ctx, x, input_since);
  const BroadcastPlan plan(x, {&kept}, ctx.node.describe());
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) { f(o, in[0], n, plan.step(0)); });
}

// dL/dx = dL/dy of x's set times `scale` (1 for a sum, 1 / the set's size for a mean).
void spread(BackwardContext& ctx, int input_since, bool mean) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const float scale = !mean             ? 1.0f
                      : dy.numel() == 0 ? 0.0f
                                        : static_cast<float>(dy.numel()) / static_cast<float>(x.numel());
  Tensor dx(DType::kFloat32, x.shape());
  const float* pg = dy.data<float>();
  float* pd = dx.data<float>();
  over_sets(ctx, x.shape(), input_since, [&](int64_t o, int64_t g, int64_t n, int64_t step) {
    for (int64_t j = 0; j < n; ++j) pd[o + j] = pg[g + j * step] * scale;
  });
  ctx.grad_inputs[0] = dx;
}

void reduce_mean_backward(BackwardContext& ctx) { spread(ctx, 18, true); }

void reduce_sum_backward(BackwardContext& ctx) { spread(ctx, 13, false); }

void reduce_max_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const float *px = x.data<float>(), *py = ctx.outputs[0]->data<float>(), *pg = dy.data<float>();
  std::vector<bool> taken(dy.numel(), false);
  Tensor dx(DType::kFloat32, x.shape());
  float* pd = dx.data<float>();
  over_sets(ctx, x.shape(), 18, [&](int64_t o, int64_t g, int64_t n, int64_t step) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = g + j * step;
      if (taken[k] || px[o + j] != py[k]) continue;
      pd[o + j] = pg[k];
      taken[k] = true;
    }
  });
  ctx.grad_inputs[0] = dx;
}

}  // namespace

void register_reduce_backward(BackwardTable& t) {
  t["ReduceMean"] = reduce_mean_backward;
  t["ReduceSum"] = reduce_sum_backward;
  t["ReduceMax"] = reduce_max_backward;
}

}  // namespace octet::train
