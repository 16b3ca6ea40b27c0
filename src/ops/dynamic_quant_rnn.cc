// com.octet DynamicQuantLSTM / DynamicQuantGRU: ONNX LSTM / GRU with int8 W and R (one scale and
// zero point per gate row shared by the directions, or one per tensor), made by
// passes/lower_dynamic.cc. Inputs: LSTM's (or GRU's) with W and R int8, then W_scale and R_scale
// (float32 [gates * hidden] or scalars), then optionally W_zero_point and R_zero_point (int8, the
// scales' shape; absent or empty means 0). Attribute per_token: X's range per time step.
// Every GEMM quantizes its activations to uint8 from their own range (DynamicQuantizeLinear's rule,
// docs/quantization.md (3)-(5)) and runs the INT8 GEMM with the dequantizing epilogue; the gates
// stay float (lstm.cc / gru.cc):
//  - X, the input projection of all steps at once: one range for the whole [seq * batch, input]
//    block, or with per_token one per row (each time step of each sequence, eq. (D2) of
//    docs/dynamic_ptq.md), since a spectrogram's loud frames would otherwise flatten its quiet ones.
//  - H, at each step: one range per step (over the batch). H = o . h(C) is bounded by the gate
//    activations (|H| <= 1 with the default ones), so its steps differ far less than X's.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "ir/octet_ops.h"
#include "kernels/qgemm.h"
#include "ops/dynamic_activation.h"
#include "ops/rnn_common.h"

namespace octet {

namespace {

class Int8RnnWeights : public RnnWeights {
 public:
  Int8RnnWeights(const KernelInit& init, size_t w_scale_input)
      : node_(init.node), per_step_input_(init.node.attr_int("per_token", 0) != 0) {
    for (int which = 0; which < 2; ++which) {
      const Tensor* w = init.constant_input(1 + which);
      const Tensor* s = init.constant_input(w_scale_input + which);
      OCTET_CHECK(w && s && w->dtype() == DType::kInt8 && w->rank() == 3 && s->dtype() == DType::kFloat32,
                  node_.describe(), ": ", which ? "R" : "W",
                  " must be a constant int8 [dirs, rows, k] with a constant float32 scale");
      OCTET_CHECK(s->numel() == 1 || s->numel() == w->dim(1), node_.describe(), ": ", which ? "R" : "W", "_scale has ",
                  s->numel(), " values for ", w->dim(1), " rows");
      codes_[which] = *w;
      for (int64_t r = 0; r < w->dim(1); ++r) scale_[which].push_back(s->data<float>()[s->numel() == 1 ? 0 : r]);
      const size_t z_input = w_scale_input + 2 + which;
      if (!init.node.has_input(z_input)) continue;
      const Tensor* z = init.constant_input(z_input);
      OCTET_CHECK(z && z->dtype() == DType::kInt8 && z->numel() == s->numel(), node_.describe(), ": ",
                  which ? "R" : "W", "_zero_point must be a constant int8 of W_scale's size");
      for (int64_t r = 0; r < w->dim(1); ++r) zero_point_[which].push_back(z->data<int8_t>()[z->numel() == 1 ? 0 : r]);
    }
  }

  void gemm(const KernelContext& ctx, const RnnProblem& p, bool recurrent, int64_t d, int64_t row0, int64_t m,
            int64_t n, const float* a, int64_t lda, float beta, float* c, int64_t ldc) const override {
    const int which = recurrent ? 1 : 0;
    const Tensor& w = codes_[which];
    const int64_t k = w.dim(2);
    if (m == 0 || n == 0) return;
    const kernels::PackedWeightsS8& packed = slice(which, d, row0, n);
    const auto w_scale = std::span<const float>(scale_[which]).subspan(row0, n);
    const bool direct = beta == 0;  // the epilogue writes C itself
    if (!direct) out_.resize(m * n);
    float* y = direct ? c : out_.data();
    const int64_t ldy = direct ? ldc : n;
    codes_a_.resize(m * k);
    if (per_step_input_ && !recurrent) {
      gemm_rows(ctx, packed, which, row0, m, a, lda, w_scale, y, ldy);
    } else {  // A (m x k, stride lda) quantized to uint8 from its own range
      const DynamicCodes act = quantize_activations_u8(a, m, k, lda, false, codes_a_.data(), ctx.pool);
      if (act.nan_at >= 0) report_nan(recurrent);
      kernels::qgemm_u8s8(codes_a_.data(), k, static_cast<uint8_t>(act.q.zero_point), packed, m,
                          kernels::Epilogue::dequantize(y, ldy, act.q.scale, w_scale), ctx.pool);
    }
    if (direct) return;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = out_[i * n + j] + beta * c[i * ldc + j];
  }

 private:
  [[noreturn]] void report_nan(bool recurrent) const {
    fail("a ", recurrent ? "hidden state" : "input", " of ", node_.describe(),
         " holds NaN: cannot choose dynamic qparams");
  }

  // (D2): y[i][j] = s_i * sum_k (q[i][k] - z_i) (W[k][j] - wz_j) * w_scale[j], each row i of A with
  // its own s_i and z_i. The GEMM takes one zero point for all rows: it runs with 0 into int32,
  // and the dequantizing epilogue takes z_i * sum_k (W[k][j] - wz_j) off the exact sums first.
  // When every row has the same z_i (a non-negative input such as a spectrogram: all 0) the
  // GEMM's own zero-point correction does it in one call; both give the same bits.
  void gemm_rows(const KernelContext& ctx, const kernels::PackedWeightsS8& packed, int which, int64_t row0, int64_t m,
                 const float* a, int64_t lda, std::span<const float> w_scale, float* y, int64_t ldy) const {
    const int64_t k = packed.K, n = packed.N;
    row_q_.resize(m);
    if (quantize_rows_u8(a, m, k, lda, codes_a_.data(), row_q_.data(), ctx.pool) >= 0) report_nan(false);
    row_scale_.resize(m);
    bool one_zero_point = true;
    for (int64_t i = 0; i < m; ++i) {
      row_scale_[i] = row_q_[i].scale;
      one_zero_point = one_zero_point && row_q_[i].zero_point == row_q_[0].zero_point;
    }
    const auto ep = kernels::Epilogue::dequantize(y, ldy, 1.0f, w_scale, {}, row_scale_);
    if (one_zero_point) {
      kernels::qgemm_u8s8(codes_a_.data(), k, static_cast<uint8_t>(row_q_[0].zero_point), packed, m, ep, ctx.pool);
      return;
    }
    acc_.resize(m * n);
    kernels::qgemm_u8s8(codes_a_.data(), k, 0, packed, m, kernels::Epilogue::int32(acc_.data(), n), ctx.pool);
    row_zero_point_.resize(m);
    for (int64_t i = 0; i < m; ++i) row_zero_point_[i] = row_q_[i].zero_point;
    kernels::apply_epilogue(acc_.data(), m, n, ep, ctx.pool, row_zero_point_, centered_col_sum(which, row0, packed));
  }

  // sum_k (W[k][j] - wz_j) for the slice's columns j: what one unit of activation zero point takes
  // off each sum. Computed per call: N values, nothing beside the M x N epilogue.
  std::span<const int32_t> centered_col_sum(int which, int64_t row0, const kernels::PackedWeightsS8& packed) const {
    const std::vector<int8_t>& wz = zero_point_[which];
    col_factor_.resize(packed.N);
    for (int64_t j = 0; j < packed.N; ++j)
      col_factor_[j] = packed.col_sum[j] - static_cast<int32_t>(packed.K) * (wz.empty() ? 0 : wz[row0 + j]);
    return col_factor_;
  }

  // Rows [row0, row0 + n) of W[d] or R[d], packed on first use (the cells ask for a few fixed slices).
  const kernels::PackedWeightsS8& slice(int which, int64_t d, int64_t row0, int64_t n) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto key = std::make_tuple(which, d, row0, n);
    auto it = packed_.find(key);
    if (it != packed_.end()) return it->second;
    const Tensor& w = codes_[which];
    const int64_t rows = w.dim(1), k = w.dim(2);
    const int8_t* s = w.data<int8_t>() + (d * rows + row0) * k;
    // S is n rows of k: as the GEMM's K x N operand, element (kk, nn) sits at nn * k + kk.
    const auto zp = zero_point_[which].empty() ? std::span<const int8_t>()
                                               : std::span<const int8_t>(zero_point_[which]).subspan(row0, n);
    return packed_.emplace(key, kernels::pack_weights_s8(s, k, n, 1, k, zp)).first->second;
  }

  const Node& node_;
  bool per_step_input_;  // per_token: X's qparams per row of the input projection
  Tensor codes_[2];
  std::vector<float> scale_[2];
  std::vector<int8_t> zero_point_[2];  // per row; empty when all are 0
  mutable std::mutex mu_;
  mutable std::map<std::tuple<int, int64_t, int64_t, int64_t>, kernels::PackedWeightsS8> packed_;
  mutable std::vector<uint8_t> codes_a_;  // scratch, reused between calls
  mutable std::vector<float> out_;
  mutable std::vector<QParams> row_q_;
  mutable std::vector<float> row_scale_;
  mutable std::vector<int32_t> acc_, row_zero_point_, col_factor_;
};

class DynamicQuantRnn : public OpKernel {
 public:
  DynamicQuantRnn(const KernelInit& init, bool lstm) : lstm_(lstm), weights_(init, lstm ? 8 : 6) {}
  void run(KernelContext& ctx) override {
    if (lstm_) lstm_forward(ctx, parse_rnn(ctx, 4, {"Sigmoid", "Tanh", "Tanh"}, DType::kInt8), weights_);
    else gru_forward(ctx, parse_rnn(ctx, 3, {"Sigmoid", "Tanh"}, DType::kInt8), weights_);
  }

 private:
  bool lstm_;
  Int8RnnWeights weights_;
};

}  // namespace

void register_dynamic_quant_rnn(OpRegistry& r) {
  r.add(
      octet_op::kDynamicQuantLSTM,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<DynamicQuantRnn>(init, true); },
      kOctetDomain);
  r.add(
      octet_op::kDynamicQuantGRU,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> {
        return std::make_unique<DynamicQuantRnn>(init, false);
      },
      kOctetDomain);
}

}  // namespace octet
