// Backward of the binary arithmetic ops with multidirectional broadcasting (ONNX
// docs/Broadcasting.md): each output element adds its partial derivatives into the input elements
// it read, so an input broadcast along an axis gets the gradient summed over that axis.
#include <utility>

#include "ops/broadcast.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void add_backward(BackwardContext& ctx) {
  binary_backward(ctx, [](float, float, float, float g) { return std::pair(g, g); });
}

void sub_backward(BackwardContext& ctx) {
  binary_backward(ctx, [](float, float, float, float g) { return std::pair(g, -g); });
}

void mul_backward(BackwardContext& ctx) {
  binary_backward(ctx, [](float a, float b, float, float g) { return std::pair(g * b, g * a); });
}

// y = a / b: dy/da = 1 / b, dy/db = -a / b^2.
void div_backward(BackwardContext& ctx) {
  binary_backward(ctx, [](float a, float b, float, float g) { return std::pair(g / b, -g * a / (b * b)); });
}

}  // namespace

void register_elementwise_backward(BackwardTable& t) {
  t["Add"] = add_backward;
  t["Sub"] = sub_backward;
  t["Mul"] = mul_backward;
  t["Div"] = div_backward;
}

}  // namespace octet::train
