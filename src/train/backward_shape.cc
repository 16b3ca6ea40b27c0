// Backward of the shape ops: the ones that only relabel the elements (Flatten, Reshape, Squeeze,
// Unsqueeze) pass dL/dy back reshaped; Transpose sends it through the inverse permutation; Concat
// cuts it into the inputs' pieces; ReduceMean spreads each mean's gradient evenly over its set.
#include <algorithm>
#include <numeric>

#include "ops/broadcast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void reshape_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});  // Reshape's shape, Squeeze's / Unsqueeze's axes: no gradient
  if (wants(ctx, 0)) ctx.grad_inputs[0] = grad_output(ctx, 0).clone().reshaped(input(ctx, 0).shape());
}

// y[j] = x[i] with i[perm[d]] = j[d]: walks y in order and writes each element where it came from.
void transpose_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const int r = x.rank();
  std::vector<int64_t> perm = ctx.node.attr_ints("perm");
  if (perm.empty()) {
    perm.resize(r);
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  OCTET_CHECK(static_cast<int>(perm.size()) == r, ctx.node.describe(), ": perm has ", perm.size(),
              " values for an input of rank ", r);
  std::vector<int64_t> x_stride(r, 1), step(r), idx(r, 0);
  for (int d = r - 1; d > 0; --d) x_stride[d - 1] = x_stride[d] * x.dim(d);
  for (int d = 0; d < r; ++d) step[d] = x_stride[perm[d]];
  Tensor dx(DType::kFloat32, x.shape());
  const float* pg = dy.data<float>();
  float* pd = dx.data<float>();
  int64_t off = 0;
  for (int64_t j = 0; j < dy.numel(); ++j) {
    pd[off] = pg[j];
    for (int d = r - 1; d >= 0; --d) {  // odometer over y's dims, tracking x's offset
      off += step[d];
      if (++idx[d] < dy.dim(d)) break;
      off -= step[d] * dy.dim(d);
      idx[d] = 0;
    }
  }
  ctx.grad_inputs[0] = dx;
}

void concat_backward(BackwardContext& ctx) {
  const Tensor dy = grad_output(ctx, 0);
  const int r = dy.rank();
  int64_t axis = ctx.node.attr_int("axis", 0);
  OCTET_CHECK(axis >= -r && axis < r, ctx.node.describe(), ": axis ", axis, " out of range for rank ", r);
  if (axis < 0) axis += r;
  ctx.grad_inputs.resize(std::max(ctx.grad_inputs.size(), ctx.inputs.size()));  // every input is differentiable
  int64_t outer = 1, after = 1;
  for (int d = 0; d < r; ++d) {
    if (d < axis) outer *= dy.dim(d);
    if (d > axis) after *= dy.dim(d);
  }
  // Each row of dy (one per outer index) is the inputs' rows one after another.
  const int64_t row = dy.dim(static_cast<int>(axis)) * after;
  int64_t begin = 0;
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const Tensor& x = input(ctx, i);
    const int64_t piece = x.dim(static_cast<int>(axis)) * after;
    if (wants(ctx, i)) {
      Tensor dx(DType::kFloat32, x.shape());
      for (int64_t o = 0; o < outer; ++o)
        std::copy_n(dy.data<float>() + o * row + begin, piece, dx.data<float>() + o * piece);
      ctx.grad_inputs[i] = dx;
    }
    begin += piece;
  }
}

// ReduceMean's reduced axes (attribute axes before opset 18, input 1 from then on; none: all, or
// nothing with noop_with_empty_axes) as x's shape with those dims 1: dL/dy's shape with keepdims.
Shape kept_shape(const BackwardContext& ctx, const Shape& x) {
  const Node& node = ctx.node;
  const bool as_input = node.opset >= 18;
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

void reduce_mean_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const Shape kept = kept_shape(ctx, x.shape());
  const BroadcastPlan plan(x.shape(), {&kept}, ctx.node.describe());
  const float scale = dy.numel() == 0 ? 0.0f : static_cast<float>(dy.numel()) / static_cast<float>(x.numel());
  Tensor dx(DType::kFloat32, x.shape());
  const float* pg = dy.data<float>();
  float* pd = dx.data<float>();
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
    for (int64_t j = 0; j < n; ++j) pd[o + j] = pg[in[0] + j * plan.step(0)] * scale;
  });
  ctx.grad_inputs[0] = dx;
}

}  // namespace

void register_shape_backward(BackwardTable& t) {
  for (const char* op : {"Flatten", "Reshape", "Squeeze", "Unsqueeze"}) t[op] = reshape_backward;
  t["Transpose"] = transpose_backward;
  t["Concat"] = concat_backward;
  t["ReduceMean"] = reduce_mean_backward;
}

}  // namespace octet::train
