// Written-out normalizations as exporters write them, hand-built for the tests of
// written_out_norms, fuse_written_out_norms and prepare: each graph reads x (a graph input, or the
// output of a MatMul from input `in` when `between_matmuls`), normalizes it into "y" and, when
// `between_matmuls`, feeds y to a second MatMul writing "out", so static quantization has
// quantized neighbours on both sides.
#pragma once

#include <string>

#include "octet/graph.h"

namespace octet::testing {

struct NormGraph {
  int opset = 17;
  bool between_matmuls = false;
  bool expose = false;  // an intermediate value of the chain ("d" or "e") is also a graph output
};

struct LayerNormForm {
  bool pow = false;         // Pow(d, 2) instead of Mul(d, d)
  bool reciprocal = false;  // Mul(d, Reciprocal(Sqrt)) instead of Div(d, Sqrt)
  bool moments = false;     // variance as Max(0, mean(x^2) - mean(x)^2)
  bool jax = false;         // tf2onnx/jax2tf: ReduceSum keepdims 0 * 1/n, Reshape back, gamma folded
  int64_t var_axis = 0;     // 0: the variance's ReduceMean over `axis` too; else over this one (a near miss)
  int64_t axis = -1;        // the normalized axis of x [2, 5, 16]
};

// x [2, 5, 16] -> LayerNorm over `axis` (eps 1e-5) * gamma + beta -> y.
Graph layer_norm_graph(const LayerNormForm& form, const NormGraph& shape = {});
// x [2, 5, 16] -> x * 1/sqrt(mean(x^2) + 1e-6) * gamma (or x / sqrt(...) when `div`) -> y.
Graph rms_norm_graph(bool div, const NormGraph& shape = {});
// x [2, 8, 3, 3] -> Reshape [2, 4, 18] -> LayerNorm over the last axis -> Reshape back -> * gamma[8,1,1]
// + beta[8,1,1] -> y.
Graph group_norm_graph(const NormGraph& shape = {});
// x [2, 4, 3, 5] -> LayerNorm over axes 2, 3 (eps 1e-3) * gamma[4,1,1] + beta[4,1,1] -> y.
Graph instance_norm_graph(const NormGraph& shape = {});
// x [2, 5, 16] -> L2-normalized over the last axis: torch's F.normalize (ReduceL2, Clip(min 1e-12),
// Expand, Div) or, when `sqrt`, x * Reciprocal(Max(Sqrt(ReduceSum(x * x)), 1e-12)) -> y.
Graph l2_norm_graph(bool sqrt, const NormGraph& shape = {});
// x [2, 5, 16] -> Exp(x - ReduceMax(x)) / ReduceSum(...) over `axis` (without the max when
// !`max`; with jax2tf's keepdims 0, Max(-inf, ·), Reshape and Expand when `jax`) -> y.
Graph softmax_graph(bool max, bool jax, int64_t axis = -1, const NormGraph& shape = {});

}  // namespace octet::testing
