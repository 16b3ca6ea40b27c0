// com.octet Int8MatMul: a lowered DQ -> MatMul/Gemm (-> Relu/Clip) -> Q unit
// (passes/lower_static.cc) on kernels/qgemm.h. Inputs: x (uint8 [..., K]), w (int8 constant,
// [K, N], or [N, K] with trans_b = 1), w_scale (constant, 1 or N values), w_zero_point (constant
// int8, optional), bias (constant int32 [N], scale x_scale * w_scale, optional). Output: uint8
// [..., N]. Attributes: trans_b and int8_params'.
#include "ir/octet_ops.h"
#include "kernels/qgemm.h"
#include "ops/int8_common.h"
#include "ops/registry.h"

namespace octet {

namespace {

class Int8MatMul : public OpKernel {
 public:
  explicit Int8MatMul(const KernelInit& init) : node_(init.node), q_(int8_params(init.node)) {
    const Tensor* w = init.constant_input(1);
    const Tensor* ws = init.constant_input(2);
    OCTET_CHECK(w && ws && w->dtype() == DType::kInt8 && w->rank() == 2, node_.describe(),
                ": needs a constant int8 2-D weight and a constant w_scale");
    const bool trans_b = node_.attr_int("trans_b", 0) != 0;
    k_dim_ = trans_b ? w->dim(1) : w->dim(0);
    n_dim_ = trans_b ? w->dim(0) : w->dim(1);
    k_ = channel_constants(node_, *ws, init.constant_input(3), init.constant_input(4), n_dim_, q_);
    packed_ = kernels::pack_weights_s8(w->data<int8_t>(), k_dim_, n_dim_, trans_b ? 1 : n_dim_, trans_b ? k_dim_ : 1,
                                       k_.w_zero_point);
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    OCTET_CHECK(x.dtype() == DType::kUInt8 && x.rank() >= 1 && x.dim(-1) == k_dim_, node_.describe(),
                ": input must be uint8 [..., ", k_dim_, "], got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));
    Shape ys = x.shape();
    ys.back() = n_dim_;
    Tensor y(DType::kUInt8, ys);
    const int64_t m = x.numel() / k_dim_;
    auto ep =
        kernels::Epilogue::requantize_u8(y.data<uint8_t>(), n_dim_, k_.multiplier, q_.y_zp, k_.bias, q_.qmin, q_.qmax);
    if (m > 0) kernels::qgemm_u8s8(x.data<uint8_t>(), k_dim_, q_.x_zp, packed_, m, ep, ctx.pool);
    ctx.outputs[0] = y;
  }

 private:
  const Node& node_;
  Int8Params q_;
  int64_t k_dim_ = 0, n_dim_ = 0;
  ChannelConstants k_;
  kernels::PackedWeightsS8 packed_;
};

}  // namespace

void register_int8_matmul(OpRegistry& r) {
  r.add(
      octet_op::kInt8MatMul,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<Int8MatMul>(init); },
      kOctetDomain);
}

}  // namespace octet
