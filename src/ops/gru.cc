// GRU (ONNX docs/Operators.md, opset 14; gates in z, r, h order):
//   zt = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz)
//   rt = f(Xt Wr^T + Ht-1 Rr^T + Wbr + Rbr)
//   ht = g(Xt Wh^T + (rt . Ht-1) Rh^T + Rbh + Wbh)      linear_before_reset = 0
//   ht = g(Xt Wh^T + (rt . (Ht-1 Rh^T + Rbh)) + Wbh)    linear_before_reset != 0
//   Ht = (1 - zt) . ht + zt . Ht-1
// clip bounds the inputs of f and g. With linear_before_reset = 0 the h-gate recurrence needs rt
// first, so each step makes two GEMMs: [Rz; Rr] then Rh.
#include <cstring>

#include "ops/rnn_common.h"

namespace octet {

void gru_forward(KernelContext& ctx, const RnnProblem& p, const RnnWeights& weights) {
  const RnnDims& dims = p.dims;
  const int64_t nh = dims.hidden, nb = dims.batch, ng = 3 * nh;
  const bool linear_before_reset = ctx.node.attr_int("linear_before_reset", 0) != 0;

  float* y = nullptr;
  if (wants_output(ctx, 0)) y = (ctx.outputs[0] = Tensor(DType::kFloat32, dims.y_shape())).data<float>();
  float* y_h = nullptr;
  if (wants_output(ctx, 1)) y_h = (ctx.outputs[1] = Tensor(DType::kFloat32, dims.state_shape())).data<float>();

  // rec holds Ht-1 R^T per batch entry (z, r, h); reset holds rt . Ht-1 for the second GEMM.
  std::vector<float> h(nb * nh), rec(nb * ng), reset(nb * nh), bias(ng), rbh(nh, 0.0f);
  const int64_t steps = p.max_len();
  for (int64_t d = 0; d < dims.dirs; ++d) {
    // Wb always folds into the input projection, and so does Rb except Rbh when it sits inside
    // the reset product (linear_before_reset).
    if (p.b) {
      const float* wb = p.b + d * 2 * ng;
      const float* rb = wb + ng;
      for (int64_t k = 0; k < ng; ++k) bias[k] = wb[k] + (k >= 2 * nh && linear_before_reset ? 0.0f : rb[k]);
      if (linear_before_reset) std::memcpy(rbh.data(), rb + 2 * nh, nh * sizeof(float));
    }
    const std::vector<float> xw = input_projection(ctx, p, d, p.b ? bias.data() : nullptr, weights);
    load_initial_state(ctx, 5, p, d, h.data());
    const RnnActivation& f = p.activation(d, 0);
    const RnnActivation& g = p.activation(d, 1);
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t rec_cols = linear_before_reset ? ng : 2 * nh;
      weights.gemm(ctx, p, true, d, 0, nb, rec_cols, h.data(), nh, 0.0f, rec.data(), ng);
      // zt and rt (in place in rec) for every active entry.
      for (int64_t b = 0; b < nb; ++b) {
        if (s >= p.lens[b]) continue;
        const float* x = xw.data() + dims.x_row(p.time_of(d, s, b), b) * ng;
        float* zr = rec.data() + b * ng;
        for (int64_t j = 0; j < 2 * nh; ++j) zr[j] += x[j];
        p.clip_span(zr, 2 * nh);
        f.apply(zr, 2 * nh);
      }
      if (!linear_before_reset) {
        for (int64_t b = 0; b < nb; ++b)
          for (int64_t j = 0; j < nh; ++j) reset[b * nh + j] = rec[b * ng + nh + j] * h[b * nh + j];
        weights.gemm(ctx, p, true, d, 2 * nh, nb, nh, reset.data(), nh, 0.0f, rec.data() + 2 * nh, ng);
      }
      for (int64_t b = 0; b < nb; ++b) {
        if (s >= p.lens[b]) continue;
        const int64_t t = p.time_of(d, s, b);
        const float* x = xw.data() + dims.x_row(t, b) * ng + 2 * nh;
        const float *z = rec.data() + b * ng, *r = z + nh;
        float* hh = rec.data() + b * ng + 2 * nh;
        if (linear_before_reset)
          for (int64_t j = 0; j < nh; ++j) hh[j] = x[j] + r[j] * (hh[j] + rbh[j]);
        else
          for (int64_t j = 0; j < nh; ++j) hh[j] += x[j];
        p.clip_span(hh, nh);
        g.apply(hh, nh);
        float* hb = h.data() + b * nh;
        for (int64_t j = 0; j < nh; ++j) hb[j] = (1.0f - z[j]) * hh[j] + z[j] * hb[j];
        if (y) std::memcpy(y + dims.y_offset(t, d, b), hb, nh * sizeof(float));
      }
    }
    // Y past each sequence's length stays zero; an empty sequence has a zero final state.
    for (int64_t b = 0; b < nb; ++b)
      if (y_h && p.lens[b] > 0) std::memcpy(y_h + dims.state_offset(d, b), h.data() + b * nh, nh * sizeof(float));
  }
}

}  // namespace octet
