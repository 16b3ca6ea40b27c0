// LSTM (ONNX docs/Operators.md, opset 14; gates in i, o, f, c order):
//   it = f(Xt Wi^T + Ht-1 Ri^T + Pi . Ct-1 + Wbi + Rbi)
//   ft = f(Xt Wf^T + Ht-1 Rf^T + Pf . Ct-1 + Wbf + Rbf)
//   ct = g(Xt Wc^T + Ht-1 Rc^T + Wbc + Rbc)
//   Ct = ft . Ct-1 + it . ct
//   ot = f(Xt Wo^T + Ht-1 Ro^T + Po . Ct + Wbo + Rbo)
//   Ht = ot . h(Ct)
// clip bounds the inputs of f and g (not Ct, as in ONNX Runtime); input_forget couples the
// forget gate to the input gate, ft = 1 - it (ONNX Runtime's reading of the attribute).
#include <cstring>

#include "ops/rnn_common.h"

namespace octet {
namespace {

// One direction's state update for batch entry b; `g` holds the gate pre-activations
// (input projection + recurrence, i, o, f, c) and is overwritten.
struct LstmCell {
  const RnnProblem& p;
  const RnnActivation &f, &g, &h;
  const float* peep;  // [3 * hidden] (i, o, f) or nullptr
  bool input_forget;

  void step(float* gates, float* c, float* hout, float* scratch) const {
    const int64_t n = p.dims.hidden;
    float *gi = gates, *go = gates + n, *gf = gates + 2 * n, *gc = gates + 3 * n;
    if (peep)
      for (int64_t j = 0; j < n; ++j) gi[j] += peep[j] * c[j];
    p.clip_span(gi, n);
    f.apply(gi, n);
    if (input_forget) {
      for (int64_t j = 0; j < n; ++j) gf[j] = 1.0f - gi[j];
    } else {
      if (peep)
        for (int64_t j = 0; j < n; ++j) gf[j] += peep[2 * n + j] * c[j];
      p.clip_span(gf, n);
      f.apply(gf, n);
    }
    p.clip_span(gc, n);
    g.apply(gc, n);
    for (int64_t j = 0; j < n; ++j) c[j] = gf[j] * c[j] + gi[j] * gc[j];
    if (peep)
      for (int64_t j = 0; j < n; ++j) go[j] += peep[n + j] * c[j];
    p.clip_span(go, n);
    f.apply(go, n);
    std::memcpy(scratch, c, n * sizeof(float));
    h.apply(scratch, n);
    for (int64_t j = 0; j < n; ++j) hout[j] = go[j] * scratch[j];
  }
};

}  // namespace

void lstm_forward(KernelContext& ctx, const RnnProblem& p, const RnnWeights& weights) {
  const RnnDims& dims = p.dims;
  const int64_t nh = dims.hidden, nb = dims.batch, ng = 4 * nh;
  const Tensor* peephole = ctx.optional_input(7);
  if (peephole)
    OCTET_CHECK(peephole->dtype() == DType::kFloat32 && peephole->shape() == Shape({dims.dirs, 3 * nh}),
                ctx.node.describe(), ": P must be float32 of shape ", shape_str({dims.dirs, 3 * nh}), ", got ",
                shape_str(peephole->shape()));
  const bool input_forget = ctx.node.attr_int("input_forget", 0) != 0;

  float* y = nullptr;
  if (wants_output(ctx, 0)) y = (ctx.outputs[0] = Tensor(DType::kFloat32, dims.y_shape())).data<float>();
  float* y_h = nullptr;
  if (wants_output(ctx, 1)) y_h = (ctx.outputs[1] = Tensor(DType::kFloat32, dims.state_shape())).data<float>();
  float* y_c = nullptr;
  if (wants_output(ctx, 2)) y_c = (ctx.outputs[2] = Tensor(DType::kFloat32, dims.state_shape())).data<float>();

  std::vector<float> h(nb * nh), c(nb * nh), gates(nb * ng), bias(ng), scratch(nh);
  const int64_t steps = p.max_len();
  for (int64_t d = 0; d < dims.dirs; ++d) {
    if (p.b)  // Wb and Rb are always summed, so they fold into the input projection
      for (int64_t k = 0; k < ng; ++k) bias[k] = p.b[d * 2 * ng + k] + p.b[d * 2 * ng + ng + k];
    const std::vector<float> xw = input_projection(ctx, p, d, p.b ? bias.data() : nullptr, weights);
    load_initial_state(ctx, 5, p, d, h.data());
    load_initial_state(ctx, 6, p, d, c.data());
    const LstmCell cell{p,
                        p.activation(d, 0),
                        p.activation(d, 1),
                        p.activation(d, 2),
                        peephole ? peephole->data<float>() + d * 3 * nh : nullptr,
                        input_forget};
    for (int64_t s = 0; s < steps; ++s) {
      for (int64_t b = 0; b < nb; ++b) {
        float* row = gates.data() + b * ng;
        if (s < p.lens[b]) std::memcpy(row, xw.data() + dims.x_row(p.time_of(d, s, b), b) * ng, ng * sizeof(float));
        else std::fill(row, row + ng, 0.0f);  // finished: computed below but never read
      }
      weights.gemm(ctx, p, true, d, 0, nb, ng, h.data(), nh, 1.0f, gates.data(), ng);
      // The cell update is cheap next to the GEMM and stays on this thread: oneDNN's OpenMP
      // workers still spin after the GEMM and would compete with pool threads.
      for (int64_t b = 0; b < nb; ++b) {
        if (s >= p.lens[b]) continue;
        cell.step(gates.data() + b * ng, c.data() + b * nh, h.data() + b * nh, scratch.data());
        if (y) std::memcpy(y + dims.y_offset(p.time_of(d, s, b), d, b), h.data() + b * nh, nh * sizeof(float));
      }
    }
    // Y past each sequence's length stays zero (Tensor is zero-filled); an empty sequence has
    // zero final states, as in ONNX Runtime.
    for (int64_t b = 0; b < nb; ++b) {
      const bool empty = p.lens[b] == 0;
      if (y_h && !empty) std::memcpy(y_h + dims.state_offset(d, b), h.data() + b * nh, nh * sizeof(float));
      if (y_c && !empty) std::memcpy(y_c + dims.state_offset(d, b), c.data() + b * nh, nh * sizeof(float));
    }
  }
}

}  // namespace octet
