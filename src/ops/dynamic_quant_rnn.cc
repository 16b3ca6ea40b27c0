// com.octet DynamicQuantLSTM / DynamicQuantGRU: ONNX LSTM / GRU with int8 W and R (one scale and
// zero point per gate row shared by the directions, or one per tensor), made by
// passes/lower_dynamic.cc. Inputs: LSTM's (or GRU's) with W and R int8, then W_scale and R_scale
// (float32 [gates * hidden] or scalars), then optionally W_zero_point and R_zero_point (int8, the
// scales' shape; absent or empty means 0). Every GEMM quantizes its activations (X for the input
// projection, H at each step) to uint8 from their own range (DynamicQuantizeLinear's rule,
// docs/quantization.md (3)-(5)) and runs the INT8 GEMM with the dequantizing epilogue; the gates
// stay float (lstm.cc / gru.cc).
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/qgemm.h"
#include "ops/dynamic_activation.h"
#include "ops/rnn_common.h"

namespace octet {

namespace {

class Int8RnnWeights : public RnnWeights {
 public:
  Int8RnnWeights(const KernelInit& init, size_t w_scale_input) : node_(init.node) {
    for (int which = 0; which < 2; ++which) {
      const Tensor* w = init.constant_input(1 + which);
      const Tensor* s = init.constant_input(w_scale_input + which);
      OCTET_CHECK(w && s && w->dtype() == DType::kInt8 && w->rank() == 3 && s->dtype() == DType::kFloat32,
                  node_.describe(), ": ", which ? "R" : "W", " must be a constant int8 [dirs, rows, k] with a constant float32 scale");
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
    // A (m x k, stride lda) quantized to uint8 from its own range.
    codes_a_.resize(m * k);
    const DynamicCodes act = quantize_activations_u8(a, m, k, lda, false, codes_a_.data(), ctx.pool);
    OCTET_CHECK(act.nan_at < 0, "a ", recurrent ? "hidden state" : "input", " of ", node_.describe(),
                " holds NaN: cannot choose dynamic qparams");
    const QParams q = act.q;
    const auto w_scale = std::span<const float>(scale_[which]).subspan(row0, n);
    if (beta == 0) {  // the epilogue writes C itself
      kernels::qgemm_u8s8(codes_a_.data(), k, static_cast<uint8_t>(q.zero_point), packed, m,
                          kernels::Epilogue::dequantize(c, ldc, q.scale, w_scale), ctx.pool);
      return;
    }
    out_.resize(m * n);
    kernels::qgemm_u8s8(codes_a_.data(), k, static_cast<uint8_t>(q.zero_point), packed, m,
                        kernels::Epilogue::dequantize(out_.data(), n, q.scale, w_scale), ctx.pool);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = out_[i * n + j] + beta * c[i * ldc + j];
  }

 private:
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
  Tensor codes_[2];
  std::vector<float> scale_[2];
  std::vector<int8_t> zero_point_[2];  // per row; empty when all are 0
  mutable std::mutex mu_;
  mutable std::map<std::tuple<int, int64_t, int64_t, int64_t>, kernels::PackedWeightsS8> packed_;
  mutable std::vector<uint8_t> codes_a_;  // scratch, reused between calls
  mutable std::vector<float> out_;
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
  r.add("DynamicQuantLSTM", [](const KernelInit& init) -> std::unique_ptr<OpKernel> {
    return std::make_unique<DynamicQuantRnn>(init, true);
  }, "com.octet");
  r.add("DynamicQuantGRU", [](const KernelInit& init) -> std::unique_ptr<OpKernel> {
    return std::make_unique<DynamicQuantRnn>(init, false);
  }, "com.octet");
}

}  // namespace octet
