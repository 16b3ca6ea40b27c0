// com.octet DynamicQuantMatMul: y = x · dequantize(w) + bias with x quantized to uint8 at run time
// (dynamic quantization, made by passes/lower_dynamic.cc). Inputs: x (float32 [..., K]), w (int8
// constant [K, N], or [N, K] with trans_b = 1, symmetric), w_scale (constant, 1 or N values), bias
// (float32 constant [N], optional). Attributes: trans_b, per_token, reduce_range.
//  - per tensor: x's qparams from its min/max (DynamicQuantizeLinear, docs/quantization.md (3)-(5)).
//  - per token: each row r gets s_r = max|x_r| / 127 around the zero point 128, so one zero point
//    serves every row and the GEMM runs once; row r of the result is then scaled by s_r (D1).
//  - reduce_range: 7-bit codes (0..127, zero point 64 per token), the faster vpmaddubsw GEMM path.
#include <algorithm>
#include <cmath>

#include "ir/octet_ops.h"
#include "kernels/dispatch.h"
#include "kernels/qgemm.h"
#include "kernels/qmath.h"
#include "kernels/vmath.h"
#include "ops/dynamic_activation.h"
#include "ops/registry.h"

namespace octet {

namespace {

class DynamicQuantMatMul : public OpKernel {
 public:
  explicit DynamicQuantMatMul(const KernelInit& init) : node_(init.node) {
    const Tensor* w = init.constant_input(1);
    const Tensor* ws = init.constant_input(2);
    OCTET_CHECK(w && ws && w->dtype() == DType::kInt8 && w->rank() == 2 && ws->dtype() == DType::kFloat32,
                node_.describe(), ": needs a constant int8 2-D weight and a constant float32 w_scale");
    const bool trans_b = node_.attr_int("trans_b", 0) != 0;
    per_token_ = node_.attr_int("per_token", 0) != 0;
    reduce_range_ = node_.attr_int("reduce_range", 0) != 0;
    k_ = trans_b ? w->dim(1) : w->dim(0);
    n_ = trans_b ? w->dim(0) : w->dim(1);
    OCTET_CHECK(ws->numel() == 1 || ws->numel() == n_, node_.describe(), ": w_scale has ", ws->numel(), " values for ",
                n_, " columns");
    for (int64_t c = 0; c < n_; ++c) w_scale_.push_back(ws->data<float>()[ws->numel() == 1 ? 0 : c]);
    if (const Tensor* b = init.constant_input(3)) {
      OCTET_CHECK(b->dtype() == DType::kFloat32 && b->numel() == n_, node_.describe(), ": bias must be float32 [", n_,
                  "]");
      bias_.assign(b->data<float>(), b->data<float>() + n_);
    }
    const int8_t* codes = w->data<int8_t>();
    const int64_t stride_k = trans_b ? 1 : n_, stride_n = trans_b ? k_ : 1;
    packed_ = reduce_range_
                  ? kernels::pack_weights_s8(codes, k_, n_, stride_k, stride_n, {}, kernels::kernels().qgemm_7bit)
                  : kernels::pack_weights_s8(codes, k_, n_, stride_k, stride_n);
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    OCTET_CHECK(x.dtype() == DType::kFloat32 && x.rank() >= 1 && x.dim(-1) == k_, node_.describe(), ": input '",
                node_.inputs[0], "' must be float32 [..., ", k_, "], got ", dtype_name(x.dtype()), " ",
                shape_str(x.shape()));
    const int64_t m = x.numel() / k_;
    Shape ys = x.shape();
    ys.back() = n_;
    Tensor y = m > 0 && k_ > 0 ? Tensor::uninitialized(DType::kFloat32, ys) : Tensor(DType::kFloat32, ys);
    if (m == 0) {
      ctx.outputs[0] = y;
      return;
    }
    codes_.resize(x.numel());
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    if (!per_token_) {
      const DynamicCodes d = quantize_activations_u8(xd, m, k_, k_, reduce_range_, codes_.data(), ctx.pool);
      if (d.nan_at >= 0) report_nan(d.nan_at);
      const QParams q = d.q;
      auto ep = kernels::Epilogue::dequantize(yd, n_, q.scale, w_scale_, bias_);
      kernels::qgemm_u8s8(codes_.data(), k_, static_cast<uint8_t>(q.zero_point), packed_, m, ep, ctx.pool);
    } else {
      const int32_t zp = reduce_range_ ? 64 : 128;
      const float levels = reduce_range_ ? 63.0f : 127.0f;
      row_scale_.resize(m);
      const auto& range = kernels::vmath().range;
      ctx.pool.parallel_for(m, 1, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const float* row = xd + r * k_;
          float lo = 0, hi = 0;
          range(k_, row, &lo, &hi);
          if (std::isnan(lo)) {  // reported below, from this thread's caller
            row_scale_[r] = lo;
            continue;
          }
          float amax = -lo > hi ? -lo : hi;
          const bool has_inf = !std::isfinite(amax);
          if (has_inf) {  // +-Inf sets no finite scale: left out, it saturates
            const MinMax f = range_with_zero(row, k_);
            amax = -f.min > f.max ? -f.min : f.max;
          }
          const float s = amax > 0 ? amax / levels : 1.0f;
          row_scale_[r] = s;
          // Finite |x / s| <= levels: the codes stay in 1..2 * levels + 1, so the full-range
          // kernel rounds and clamps exactly as the 7-bit contract needs.
          uint8_t* codes = codes_.data() + r * k_;
          kernels::kernels().quantize_u8(k_, row, s, zp, codes);
          if (has_inf && reduce_range_)  // +Inf saturated to 255: the 7-bit contract's end is 127
            for (int64_t j = 0; j < k_; ++j) codes[j] = codes[j] > 127 ? 127 : codes[j];
        }
      });
      for (int64_t r = 0; r < m; ++r)
        if (std::isnan(row_scale_[r]))
          report_nan(r * k_ + (std::find_if(xd + r * k_, xd + (r + 1) * k_, [](float v) { return std::isnan(v); }) -
                               (xd + r * k_)));
      // (D1): y[r][n] = s_r * (sum (q - z) w) * w_scale[n] + bias[n], the row scale in the epilogue.
      auto ep = kernels::Epilogue::dequantize(yd, n_, 1.0f, w_scale_, bias_, row_scale_);
      kernels::qgemm_u8s8(codes_.data(), k_, static_cast<uint8_t>(zp), packed_, m, ep, ctx.pool);
    }
    ctx.outputs[0] = y;
  }

 private:
  // NaN has no place in a range: say which value holds it rather than return garbage.
  [[noreturn]] void report_nan(int64_t at) const {
    fail("input '", node_.inputs[0], "' of ", node_.describe(), " holds NaN (at flat index ", at,
         "): cannot choose dynamic qparams");
  }

  const Node& node_;
  bool per_token_ = false, reduce_range_ = false;
  int64_t k_ = 0, n_ = 0;
  std::vector<float> w_scale_, bias_, row_scale_;
  std::vector<uint8_t> codes_;
  kernels::PackedWeightsS8 packed_;
};

}  // namespace

void register_dynamic_quant_rnn(OpRegistry& r);  // dynamic_quant_rnn.cc

void register_dynamic_quant_ops(OpRegistry& r) {
  register_dynamic_quant_rnn(r);
  r.add(
      octet_op::kDynamicQuantMatMul,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<DynamicQuantMatMul>(init); },
      kOctetDomain);
}

}  // namespace octet
