// written_out_norms: normalizations that exporters write out as elementary ops (torch.onnx before
// opset 17, tf2onnx, jax2tf), recognized as one unit each:
//   LayerNorm      (x - mean(x)) / sqrt(var(x) + eps) [* gamma] [+ beta], the variance as
//                  mean((x - mean)^2) or as max(0, mean(x^2) - mean(x)^2); the division also as a
//                  multiplication by 1/sqrt, gamma also folded into that factor;
//   InstanceNorm   the same over axes 2.. of a rank >= 3 value, gamma and beta per channel;
//   GroupNorm      Reshape -> the same without gamma and beta -> Reshape back [* gamma] [+ beta];
//   RMSNorm        x / sqrt(mean(x^2) + eps) [* gamma] (or x * 1/sqrt(...));
//   L2-normalize   x / sqrt(sum(x^2)) or x / ReduceL2(x), eps by Add, Max or Clip around the root;
//   softmax        exp(x - max(x)) / sum(exp(x - max(x))), or without the max.
// A mean is ReduceMean, or ReduceSum times (or divided by) a constant; a square is Mul(a, a) or
// Pow(a, 2); a statistic may pass through Reshape/Expand/Unsqueeze/Squeeze/Identity on its way
// back to the elements (reductions with keepdims = 0, jax2tf's broadcasts).
// Squaring, dividing or subtracting 8-bit codes destroys the statistics (issue 26: 0.55 output
// cosine on a written-out LayerNorm), so static quantization fuses these into the ONNX op where
// octet runs one (fuse_written_out_norms.h) and keeps the others in float as one unit (prepare.cc).
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

enum class NormKind { kLayerNorm, kInstanceNorm, kGroupNorm, kRmsNorm, kL2Norm, kSoftmax };
// "LayerNorm", "InstanceNorm", "GroupNorm", "RMSNorm", "L2-normalize", "softmax"
const char* norm_kind_name(NormKind kind);

struct WrittenOutNorm {
  NormKind kind = NormKind::kLayerNorm;
  std::vector<size_t> nodes;  // indices into g.nodes, in graph order
  std::string input;          // x, the value normalized (read from outside the unit)
  std::string output;         // the unit's result, after gamma and beta when they are part of it
  // The op's own form, which a fusion needs: every reduction keeps its dims and feeds the chain
  // directly (no Reshape or Expand on the way), a mean is ReduceMean, softmax's max is not clamped
  // (or clamped from below by -inf only).
  bool direct = true;
  int rank = -1;              // of x, when known
  std::vector<int64_t> axes;  // the reductions' axes (all agree), sorted; >= 0 when the rank is known
  float epsilon = 0;          // added to the variance or mean square (LayerNorm, InstanceNorm, RMSNorm)
  std::string scale, bias;    // float constants gamma and beta; "" when absent
};

// Every written-out normalization of `g`, in graph order of their last nodes; no node is in two.
// A chain matches only where every value inside it is read by the chain alone and is no graph
// output (only `output` leaves it), and where all its reductions run over the same axes.
std::vector<WrittenOutNorm> find_written_out_norms(const Graph& g);

// One line for the quantize summary, e.g. "written-out normalizations: 6 LayerNorm fused into
// LayerNormalization; 2 RMSNorm, 1 softmax kept in float as one unit each (no Q/DQ inside)";
// "" when both lists are empty.
std::string describe_norms(const std::vector<NormKind>& fused, const std::vector<NormKind>& kept);
// The ONNX op a kind fuses into ("" for RMSNorm, GroupNorm and L2-normalize: octet runs none).
const char* fused_op_of(NormKind kind);

}  // namespace octet
