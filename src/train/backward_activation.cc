// Backward of the activations: the element-wise ones (Relu, LeakyRelu, Clip, Sigmoid, Tanh,
// HardSigmoid, HardSwish, Identity, Dropout at inference) as dL/dx = dL/dy * y'(x), and Softmax
// (dL/dx = y * (dL/dy - sum over the normalized group of dL/dy * y)). At a kink (Relu at 0, the
// clip bounds) the derivative taken is the one of the side PyTorch takes: Relu 0, Clip 1.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/softmax.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

void identity_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float, float g) { return g; });
}

void relu_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float x, float, float g) { return x > 0 ? g : 0.0f; });
}

void leaky_relu_backward(BackwardContext& ctx) {
  const float alpha = ctx.node.attr_float("alpha", 0.01f);
  unary_backward(ctx, [alpha](float x, float, float g) { return x > 0 ? g : alpha * g; });
}

// Clip's bound: input i at opset >= 11 (a one-element tensor, omitted: unbounded), attribute
// `key` before.
float clip_bound(const BackwardContext& ctx, size_t i, const char* key, float def) {
  if (ctx.node.opset < 11) return ctx.node.attr_float(key, def);
  if (i >= ctx.inputs.size() || !ctx.inputs[i]) return def;
  OCTET_CHECK(ctx.inputs[i]->numel() == 1, ctx.node.describe(), ": ", key, " must be a scalar, has shape ",
              shape_str(ctx.inputs[i]->shape()));
  return static_cast<float>(ctx.inputs[i]->as_double(0));
}

void clip_backward(BackwardContext& ctx) {
  const float inf = std::numeric_limits<float>::infinity();
  const float lo = clip_bound(ctx, 1, "min", -inf), hi = clip_bound(ctx, 2, "max", inf);
  // y = min(max(x, lo), hi): x passes through where lo <= x <= hi (nowhere when lo > hi).
  unary_backward(ctx, [lo, hi](float x, float, float g) { return x >= lo && x <= hi ? g : 0.0f; });
}

void sigmoid_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float y, float g) { return g * y * (1 - y); });
}

void tanh_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float, float y, float g) { return g * (1 - y * y); });
}

// y = max(0, min(1, alpha x + beta)): slope alpha strictly inside (0, 1).
void hard_sigmoid_backward(BackwardContext& ctx) {
  const float alpha = ctx.node.attr_float("alpha", 0.2f), beta = ctx.node.attr_float("beta", 0.5f);
  unary_backward(ctx, [alpha, beta](float x, float, float g) {
    const float v = alpha * x + beta;
    return v > 0 && v < 1 ? alpha * g : 0.0f;
  });
}

// y = x * max(0, min(1, x / 6 + 1/2)): 0 below -3, 1 above 3, x / 3 + 1/2 between.
void hard_swish_backward(BackwardContext& ctx) {
  unary_backward(ctx, [](float x, float, float g) { return x < -3 ? 0.0f : x > 3 ? g : g * (x / 3 + 0.5f); });
}

void softmax_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& y = *ctx.outputs[0];
  const Tensor dy = grad_output(ctx, 0);
  const SoftmaxExtent e = softmax_extent(ctx.node, y.shape());
  const float *py = y.data<float>(), *pg = dy.data<float>();
  Tensor dx = Tensor::uninitialized(DType::kFloat32, y.shape());
  float* pd = dx.data<float>();
  for (int64_t o = 0; o < e.outer; ++o)
    for (int64_t j = 0; j < e.inner; ++j) {
      const int64_t base = o * e.n * e.inner + j;
      double dot = 0;
      for (int64_t a = 0; a < e.n; ++a) dot += static_cast<double>(pg[base + a * e.inner]) * py[base + a * e.inner];
      for (int64_t a = 0; a < e.n; ++a) {
        const int64_t i = base + a * e.inner;
        pd[i] = py[i] * static_cast<float>(pg[i] - dot);
      }
    }
  ctx.grad_inputs[0] = dx;
}

}  // namespace

void register_activation_backward(BackwardTable& t) {
  t["Identity"] = identity_backward;
  t["Dropout"] = identity_backward;  // inference: y = x (training_mode is not trained through)
  t["Relu"] = relu_backward;
  t["LeakyRelu"] = leaky_relu_backward;
  t["Clip"] = clip_backward;
  t["Sigmoid"] = sigmoid_backward;
  t["Tanh"] = tanh_backward;
  t["HardSigmoid"] = hard_sigmoid_backward;
  t["HardSwish"] = hard_swish_backward;
  t["Softmax"] = softmax_backward;
}

}  // namespace octet::train
