// Conv + BatchNormalization in quantization-aware training (docs/qat.md, "BatchNormalization"):
// the BN stays folded into the fake-quantized weight, as the exported model has it, while its
// parameters and statistics keep training (PyTorch's _ConvBnNd, after Krishnamoorthi 2018,
// "Quantizing deep convolutional networks for efficient inference", section 3.2):
//   s = gamma / sqrt(running_var + eps)              (per output channel)
//   z = Conv(x, FQ(W s))                             (no bias)
//   c = z / s + b                                    (the float Conv's output, on the fake-quantized grid)
//   y = gamma (c - mean_B) / sqrt(var_B + eps) + beta   (batch statistics; running ones updated)
// until the statistics are frozen; from then on (and in evaluation) the plain folded Conv:
//   y = Conv(x, FQ(W s)) + (b - running_mean) s + beta.
// A channel with gamma = 0 has s = 0 and no c to recover: it outputs beta and its gamma gets no
// gradient from the batch statistics (PyTorch's fast path divides by zero there).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet::train {

// A Conv of the model whose output only a BatchNormalization (inference form, constant float32
// parameters) reads: the names of the Conv node (fuse_conv_bn keeps it), its weight and bias ("":
// none) and the BN's inputs and attributes.
struct ConvBn {
  std::string conv, weight, bias, scale, shift, mean, var;
  double epsilon = 1e-5;
  float momentum = 0.9f;  // ONNX's: running = momentum * running + (1 - momentum) * batch
};

std::vector<ConvBn> find_conv_bns(const Graph& model);

// Per channel, in double as fuse_conv_bn computes them: inv_sigma = 1 / sqrt(running_var + eps)
// and the fold factor s = scale * inv_sigma.
struct FoldFactors {
  std::vector<double> s, inv_sigma;
};
FoldFactors fold_factors(const ConvBn& cb, const std::map<std::string, Tensor>& tensors);
// The folded weight W s and bias (b - mean) s + shift, as fuse_conv_bn writes them.
Tensor folded_weight(const ConvBn& cb, const FoldFactors& fold, const std::map<std::string, Tensor>& tensors);
Tensor folded_bias(const ConvBn& cb, const FoldFactors& fold, const std::map<std::string, Tensor>& tensors);

// What the training-mode forward keeps for its backward.
struct BnBatch {
  Tensor y;                     // the BN's output
  Tensor normalized;            // (c - mean_B) / sqrt(var_B + eps)
  std::vector<double> inv_std;  // 1 / sqrt(var_B + eps) per channel
};

// From z = Conv(x, FQ(W s)), `fold` the factors it was made with: y with the batch statistics, and
// the running mean and variance (unbiased, as PyTorch keeps it) updated in `tensors`.
BnBatch batch_norm_train(const ConvBn& cb, const FoldFactors& fold, const Tensor& z,
                         std::map<std::string, Tensor>& tensors);

// The backward of batch_norm_train: dL/dz from dL/dy, and the gradients of the bias, scale and
// shift added into `grads`, with dL/ds (the fold factor's own, from c = z / s) per channel.
Tensor batch_norm_train_backward(const ConvBn& cb, const FoldFactors& fold, const BnBatch& saved, const Tensor& z,
                                 const Tensor& grad_y, const std::map<std::string, Tensor>& tensors,
                                 std::map<std::string, Tensor>& grads, std::vector<double>& grad_s);

// Moves the gradients of the folded weight and bias (keys folded_w, folded_b; either may be
// absent) onto W, b, scale and shift through W' = W s, b' = (b - mean) s + shift and
// s = scale inv_sigma (`fold`: the factors of the forward), adding `grad_s` (dL/ds from
// elsewhere) to the fold factor's.
void unfold_gradients(const ConvBn& cb, const FoldFactors& fold, const std::string& folded_w,
                      const std::string& folded_b, const std::vector<double>& grad_s,
                      const std::map<std::string, Tensor>& tensors, std::map<std::string, Tensor>& grads);

}  // namespace octet::train
