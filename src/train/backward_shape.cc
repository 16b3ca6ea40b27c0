// Backward of the shape ops: the ones that only relabel the elements (Flatten, Reshape, Squeeze,
// Unsqueeze) pass dL/dy back reshaped; Transpose sends it through the inverse permutation; Concat
// cuts it into the inputs' pieces.
#include <algorithm>
#include <numeric>

#include "ops/op_args.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void reshape_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});  // Reshape's shape, Squeeze's / Unsqueeze's axes: no gradient
  if (wants(ctx, 0)) ctx.grad_inputs[0] = grad_output(ctx, 0).clone().reshaped(input(ctx, 0).shape());
}

// y[j] = x[i] with i[perm[d]] = j[d]: y is the view of x with strides x_stride[perm[d]].
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
  const std::vector<int64_t> x_stride = contiguous_strides(x.shape());
  std::vector<int64_t> step(r);
  for (int d = 0; d < r; ++d) step[d] = x_stride[perm[d]];
  Tensor dx(DType::kFloat32, x.shape());
  add_strided(dx.data<float>(), step, dy.data<float>(), contiguous_strides(dy.shape()), dy.shape());
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

}  // namespace

void register_shape_backward(BackwardTable& t) {
  for (const char* op : {"Flatten", "Reshape", "Squeeze", "Unsqueeze"}) t[op] = reshape_backward;
  t["Transpose"] = transpose_backward;
  t["Concat"] = concat_backward;
}

}  // namespace octet::train
