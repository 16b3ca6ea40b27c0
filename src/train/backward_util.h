// What the backward passes of src/train/backward_*.cc share: the family registration hooks that
// backward_registry.cc calls, the checks of which inputs may want a gradient, and the reduction of a
// broadcast gradient back to its input's shape.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "ops/broadcast.h"
#include "train/backward.h"

namespace octet::train {

using BackwardTable = std::map<std::string, BackwardFn>;

// One per family file; backward_registry.cc calls each once.
void register_conv_backward(BackwardTable& t);            // backward_conv.cc: Conv
void register_gemm_backward(BackwardTable& t);            // backward_gemm.cc: Gemm, MatMul
void register_activation_backward(BackwardTable& t);      // backward_activation.cc: Relu, ..., Softmax, Dropout
void register_elementwise_backward(BackwardTable& t);     // backward_elementwise.cc: Add, Sub, Mul, Div
void register_pool_backward(BackwardTable& t);            // backward_pool.cc: MaxPool, AveragePool, Global*Pool
void register_shape_backward(BackwardTable& t);           // backward_shape.cc: Flatten, Reshape, Squeeze,
                                                          // Unsqueeze, Transpose, Concat
void register_tensor_backward(BackwardTable& t);          // backward_tensor.cc: Gather, Slice, Split, Expand,
                                                          // Tile, Cast, Pad
void register_broadcast_backward(BackwardTable& t);       // backward_broadcast.cc: Where, Pow, Max, Min
void register_unary_backward(BackwardTable& t);           // backward_unary.cc: Gelu, Erf, Exp, Log, Sqrt, Neg,
                                                          // Abs, Reciprocal
void register_reduce_backward(BackwardTable& t);          // backward_reduce.cc: ReduceMean, ReduceSum, ReduceMax
void register_norm_backward(BackwardTable& t);            // backward_norm.cc: LayerNormalization,
                                                          // BatchNormalization
void register_conv_transpose_backward(BackwardTable& t);  // backward_conv_transpose.cc: ConvTranspose
void register_integer_backward(BackwardTable& t);         // backward_integer.cc: Shape, Size and
                                                          // the comparisons (no gradient flows)

// octet::Error naming the node when an input outside `differentiable` wants a gradient (a shape,
// axes or bound input: nothing to differentiate); sizes grad_inputs like inputs if the caller did not.
void check_differentiable(BackwardContext& ctx, std::initializer_list<size_t> differentiable);
inline bool wants(const BackwardContext& ctx, size_t i) { return i < ctx.wants_grad.size() && ctx.wants_grad[i]; }
// dL/d output i, or zeros of output i's shape where no loss reads it (grad_outputs[i] is nullptr).
Tensor grad_output(const BackwardContext& ctx, size_t i);
// Input i of the forward; octet::Error naming the node when it is omitted.
const Tensor& input(const BackwardContext& ctx, size_t i);

// g (the gradient of a value broadcast from `shape` to g's shape, ONNX docs/Broadcasting.md) summed
// over the broadcast axes: the gradient of the value before broadcasting, of `shape`.
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

// dL/dB of a convolution's bias: g ([N, C, d...]) summed over the batch and the positions, [C].
Tensor channel_sum(const Tensor& g);

// dst[sum over k of i_k * dst_strides[k]] += src[sum over k of i_k * src_strides[k]] for every position
// (i_0, ...) of `shape`: the gradient of a strided view (Slice, Tile, Transpose, Pad) scattered back.
void add_strided(float* dst, const std::vector<int64_t>& dst_strides, const float* src,
                 const std::vector<int64_t>& src_strides, const Shape& shape);

// dL/dx[i] = f(x[i], y[i], dL/dy[i]) for input 0 of an element-wise op; the inputs after it (Clip's
// bounds, Dropout's ratio and training_mode) have no gradient.
template <class F>
void unary_backward(BackwardContext& ctx, F f) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const float *px = x.data<float>(), *py = ctx.outputs[0]->data<float>(), *pg = dy.data<float>();
  Tensor dx = Tensor::uninitialized(DType::kFloat32, x.shape());
  float* pd = dx.data<float>();
  // Each element on its own: any split over threads writes the same values.
  ctx.pool.parallel_for(x.numel(), grain_for_bytes(16), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) pd[i] = f(px[i], py[i], pg[i]);
  });
  ctx.grad_inputs[0] = dx;
}

// A binary op with multidirectional broadcasting (ONNX docs/Broadcasting.md): f(a, b, y, dL/dy) ->
// {dL/da, dL/db} contributions of one output element, summed into the input elements it read.
template <class F>
void binary_backward(BackwardContext& ctx, F f) {
  check_differentiable(ctx, {0, 1});
  const Tensor& a = input(ctx, 0);
  const Tensor& b = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const BroadcastPlan plan(dy.shape(), {&a.shape(), &b.shape()}, ctx.node.describe());
  Tensor da(DType::kFloat32, a.shape()), db(DType::kFloat32, b.shape());
  const float *pa = a.data<float>(), *pb = b.data<float>(), *py = ctx.outputs[0]->data<float>(), *pg = dy.data<float>();
  float *qa = da.data<float>(), *qb = db.data<float>();
  const int64_t sa = plan.step(0), sb = plan.step(1);
  plan.for_segments(0, plan.numel(), [&](int64_t o, const int64_t* in, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t ia = in[0] + j * sa, ib = in[1] + j * sb;
      const auto [ga, gb] = f(pa[ia], pb[ib], py[o + j], pg[o + j]);
      qa[ia] += ga;
      qb[ib] += gb;
    }
  });
  if (wants(ctx, 0)) ctx.grad_inputs[0] = da;
  if (wants(ctx, 1)) ctx.grad_inputs[1] = db;
}

}  // namespace octet::train
