// Backward of the ops whose outputs are integers or bools (Shape, Size, the comparisons): as
// functions of their float inputs they are piecewise constant, so no gradient flows through them:
// dL/dx = 0. A transformer's shape arithmetic (Shape -> Gather -> Concat ->
// Reshape) reads activations that train, and its outputs reach the loss, so QAT meets them.
#include <algorithm>

#include "train/backward_util.h"

namespace octet::train {
namespace {

void zero_backward(BackwardContext& ctx) {
  ctx.grad_inputs.resize(std::max(ctx.grad_inputs.size(), ctx.inputs.size()));
  for (size_t i = 0; i < ctx.inputs.size(); ++i)
    if (wants(ctx, i)) ctx.grad_inputs[i] = Tensor(DType::kFloat32, input(ctx, i).shape());
}

}  // namespace

void register_integer_backward(BackwardTable& t) {
  for (const char* op : {"Shape", "Size", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"})
    t[op] = zero_backward;
}

}  // namespace octet::train
