// What the backward passes of src/train/backward_*.cc share: the family registration hooks that
// backward_registry.cc calls, the checks of which inputs may want a gradient, and the reduction of a
// broadcast gradient back to its input's shape.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>

#include "train/backward.h"

namespace octet::train {

using BackwardTable = std::map<std::string, BackwardFn>;

// One per family file; backward_registry.cc calls each once.
void register_conv_backward(BackwardTable& t);         // backward_conv.cc: Conv
void register_gemm_backward(BackwardTable& t);         // backward_gemm.cc: Gemm, MatMul
void register_activation_backward(BackwardTable& t);   // backward_activation.cc: Relu, ..., Softmax, Dropout
void register_elementwise_backward(BackwardTable& t);  // backward_elementwise.cc: Add, Sub, Mul, Div
void register_pool_backward(BackwardTable& t);         // backward_pool.cc: MaxPool, AveragePool, Global*Pool
void register_shape_backward(BackwardTable& t);        // backward_shape.cc: Flatten, Reshape, Squeeze,
                                                       // Unsqueeze, Transpose, Concat, ReduceMean

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

}  // namespace octet::train
