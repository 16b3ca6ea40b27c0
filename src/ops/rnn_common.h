// What LSTM and GRU share (ONNX docs/Operators.md, opset 14): attribute parsing, the activation
// functions, input validation, the [seq, batch] <-> [batch, seq] index maps of `layout`, the input
// projection of all time steps as one GEMM, and the per-step GEMM. The cells live in lstm.cc and
// gru.cc; rnn.cc registers them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ops/registry.h"

namespace octet {

// One of the activation functions listed in the LSTM/GRU spec, with its alpha and beta.
struct RnnActivation {
  enum class Kind {
    kRelu,
    kTanh,
    kSigmoid,
    kAffine,
    kLeakyRelu,
    kThresholdedRelu,
    kScaledTanh,
    kHardSigmoid,
    kElu,
    kSoftsign,
    kSoftplus
  };
  Kind kind = Kind::kSigmoid;
  float alpha = 0, beta = 0;
  void apply(float* x, int64_t n) const;  // in place
};

// Sizes and index maps. layout 0: X [seq, batch, input], Y [seq, dirs, batch, hidden], states
// [dirs, batch, hidden]; layout 1: X [batch, seq, input], Y [batch, seq, dirs, hidden], states
// [batch, dirs, hidden].
struct RnnDims {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1;
  bool batch_major = false;  // layout 1

  int64_t x_row(int64_t t, int64_t b) const { return batch_major ? b * seq + t : t * batch + b; }
  int64_t y_offset(int64_t t, int64_t d, int64_t b) const {
    return batch_major ? ((b * seq + t) * dirs + d) * hidden : ((t * dirs + d) * batch + b) * hidden;
  }
  int64_t state_offset(int64_t d, int64_t b) const {
    return batch_major ? (b * dirs + d) * hidden : (d * batch + b) * hidden;
  }
  Shape y_shape() const { return batch_major ? Shape{batch, seq, dirs, hidden} : Shape{seq, dirs, batch, hidden}; }
  Shape state_shape() const { return batch_major ? Shape{batch, dirs, hidden} : Shape{dirs, batch, hidden}; }
};

// The validated inputs and attributes of an LSTM or GRU node with `gates` gates (4 or 3).
// Inputs 0-5 are common: X, W, R, B, sequence_lens, initial_h.
struct RnnProblem {
  RnnDims dims;
  int gates = 0;
  bool reverse_only = false;  // direction "reverse" (with dirs == 1)
  bool has_clip = false;
  float clip = 0;
  std::vector<RnnActivation> activations;  // activations_per_dir per direction, in direction order
  std::vector<int32_t> lens;               // per batch entry, all seq when sequence_lens is absent
  const float* x = nullptr;
  const float* w = nullptr;  // nullptr when W and R are int8 (dynamic_quant_rnn.cc)
  const float* r = nullptr;
  const float* b = nullptr;  // [dirs, 2 * gates * hidden] or nullptr

  bool is_reverse(int64_t d) const { return reverse_only || d == 1; }
  // The time index direction d processes for batch entry b at step s (< lens[b]): reverse
  // directions walk each sequence backwards from its own last valid step.
  int64_t time_of(int64_t d, int64_t s, int64_t b) const { return is_reverse(d) ? lens[b] - 1 - s : s; }
  int64_t max_len() const;
  const RnnActivation& activation(int64_t d, int k) const {
    return activations[d * activations.size() / dims.dirs + k];
  }
  void clip_span(float* v, int64_t n) const;  // clamps to [-clip, clip] when the clip attribute is set
};

// `default_activations` are one direction's defaults ({"Sigmoid", "Tanh", "Tanh"} for LSTM).
// `weight_dtype`: float32 for the ONNX ops, int8 for the dynamically quantized ones.
RnnProblem parse_rnn(const KernelContext& ctx, int gates, const std::vector<std::string>& default_activations,
                     DType weight_dtype = DType::kFloat32);

// Copies the initial state (initial_h or initial_c) of direction d into state [batch, hidden];
// zeros when absent. Checks its shape.
void load_initial_state(const KernelContext& ctx, size_t input, const RnnProblem& p, int64_t d, float* state);

// True when the node wants output i (an omitted optional output has an empty name).
bool wants_output(const KernelContext& ctx, size_t i);

// C[M, N] = A[M, K] * B[N, K]^T + beta * C, row-major with leading dimensions, on up to pool.size() threads
// (oneDNN's sgemm).
void sgemm_nt(const Node& node, ThreadPool& pool, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// The GEMMs against the weights: C[m, n] = A[m, k] · S^T + beta · C, where S is rows
// [row0, row0 + n) of W[d] (recurrent = false) or R[d] (recurrent = true). The cells only ever
// multiply by their weights through this, so one cell serves the float and the int8 models.
class RnnWeights {
 public:
  virtual ~RnnWeights() = default;
  virtual void gemm(const KernelContext& ctx, const RnnProblem& p, bool recurrent, int64_t d, int64_t row0, int64_t m,
                    int64_t n, const float* a, int64_t lda, float beta, float* c, int64_t ldc) const = 0;
};

// float32 W and R (RnnProblem::w, r) on sgemm_nt.
class FloatRnnWeights : public RnnWeights {
 public:
  void gemm(const KernelContext& ctx, const RnnProblem& p, bool recurrent, int64_t d, int64_t row0, int64_t m,
            int64_t n, const float* a, int64_t lda, float beta, float* c, int64_t ldc) const override;
};

// X * W[d]^T + bias for every row of X at once: [seq * batch, gates * hidden] in X's row order
// (RnnDims::x_row). `bias` has gates * hidden entries or is nullptr.
std::vector<float> input_projection(const KernelContext& ctx, const RnnProblem& p, int64_t d, const float* bias,
                                    const RnnWeights& weights);

// The cells. rnn.cc registers them with FloatRnnWeights; dynamic_quant_rnn.cc with int8 weights.
// `p` comes from parse_rnn (the weights' dtype decides what `weights` must handle).
void lstm_forward(KernelContext& ctx, const RnnProblem& p, const RnnWeights& weights);  // lstm.cc
void gru_forward(KernelContext& ctx, const RnnProblem& p, const RnnWeights& weights);   // gru.cc

}  // namespace octet
