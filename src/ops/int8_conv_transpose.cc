// com.octet Int8ConvTranspose: a lowered DQ -> ConvTranspose (-> Relu/Clip) -> Q unit
// (passes/lower_static.cc), 2-D, one group. Inputs: x (uint8 NCHW, NHWC with channels_last), w
// (int8 [C][OC][KH][KW], constant, zero points 0), w_scale (constant, 1 or OC values), bias
// (constant int32 [OC] with scale x_scale * w_scale, optional; input 4 as for Int8Conv).
// Attributes: ConvTranspose's strides, dilations, pads, output_padding, and int8_params'.
// Output: uint8 [N][OC][OH][OW] (NHWC with channels_last), OH = stride (H - 1) + output_padding +
// dilation (KH - 1) + 1 - pad_top - pad_bottom.
//
// A transposed convolution scatters each input pixel's C values, times the weights, over a KH x KW
// patch of the output. As a GEMM (kernels/qgemm.h, exact int32): cols[pixel][(i, j, oc)] =
// sum_c (x[pixel][c] - x_zp) w[c][oc][i][j], every input pixel against every tap; then each column
// block (i, j) adds into the output pixel it lands on (col2im), the OC values of a tap contiguous;
// then one requantization per output by the GEMM's own epilogue (kernels::apply_epilogue), as
// Int8Conv rounds:
//   y = clamp(nearbyint(float(acc + bias[oc]) * x_scale * w_scale[oc] / y_scale) + y_zp, qmin, qmax)
#include <algorithm>

#include "ir/octet_ops.h"
#include "kernels/qgemm.h"
#include "ops/int8_common.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace octet {

namespace {

class Int8ConvTranspose : public OpKernel {
 public:
  explicit Int8ConvTranspose(const KernelInit& init)
      : node_(init.node), q_(int8_params(init.node)), channels_last_(init.node.attr_int("channels_last", 0) != 0) {
    const Tensor* w = init.constant_input(1);
    const Tensor* ws = init.constant_input(2);
    OCTET_CHECK(w && ws && w->dtype() == DType::kInt8 && w->rank() == 4, node_.describe(),
                ": needs a constant int8 4-D weight and a constant w_scale");
    OCTET_CHECK(node_.attr_int("group", 1) == 1, node_.describe(), ": only one group is supported");
    in_c_ = w->dim(0), out_c_ = w->dim(1), kh_ = w->dim(2), kw_ = w->dim(3);
    strides_ = spatial_attr(node_, "strides", 2, 1), dilations_ = spatial_attr(node_, "dilations", 2, 1);
    pads_ = explicit_pads(node_, 2), output_padding_ = spatial_attr(node_, "output_padding", 2, 0, 0);
    k_ = channel_constants(node_, *ws, init.constant_input(3), init.constant_input(4), out_c_, q_);
    for (int8_t z : k_.w_zero_point)
      OCTET_CHECK(z == 0, node_.describe(), ": weight zero points must be 0 (symmetric weights)");
    // B[c][(i * KW + j) * OC + oc] = w[c][oc][i][j]: a tap's OC columns side by side.
    const int64_t n = kh_ * kw_ * out_c_;
    std::vector<int8_t> b(in_c_ * n);
    const int8_t* wd = w->data<int8_t>();
    for (int64_t c = 0; c < in_c_; ++c)
      for (int64_t oc = 0; oc < out_c_; ++oc)
        for (int64_t t = 0; t < kh_ * kw_; ++t) b[c * n + t * out_c_ + oc] = wd[(c * out_c_ + oc) * kh_ * kw_ + t];
    packed_ = kernels::pack_weights_s8(b.data(), in_c_, n, n, 1);
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int c_axis = channels_last_ ? 3 : 1, h_axis = channels_last_ ? 1 : 2;
    OCTET_CHECK(x.dtype() == DType::kUInt8 && x.rank() == 4 && x.dim(c_axis) == in_c_, node_.describe(),
                ": input must be uint8 ", channels_last_ ? "[N, H, W, " : "[N, ", in_c_,
                channels_last_ ? "]" : ", H, W]", ", got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));
    const int64_t batch = x.dim(0), h = x.dim(h_axis), w = x.dim(h_axis + 1);
    const int64_t oh = strides_[0] * (h - 1) + output_padding_[0] + dilations_[0] * (kh_ - 1) + 1 - pads_[0] - pads_[2];
    const int64_t ow = strides_[1] * (w - 1) + output_padding_[1] + dilations_[1] * (kw_ - 1) + 1 - pads_[1] - pads_[3];
    OCTET_CHECK(oh > 0 && ow > 0, node_.describe(), ": pads leave no output for input ", shape_str(x.shape()));
    const uint8_t* x_nhwc = x.data<uint8_t>();
    if (!channels_last_) {
      nhwc_in_.resize(x.numel());
      transpose_planes_u8(x_nhwc, batch, in_c_, h * w, nhwc_in_.data(), ctx.pool);
      x_nhwc = nhwc_in_.data();
    }
    const int64_t n = kh_ * kw_ * out_c_;
    cols_.resize(h * w * n);
    acc_.resize(oh * ow * out_c_);
    Tensor y = Tensor::uninitialized(DType::kUInt8,
                                     channels_last_ ? Shape{batch, oh, ow, out_c_} : Shape{batch, out_c_, oh, ow});
    uint8_t* y_nhwc = y.data<uint8_t>();
    if (!channels_last_) {
      nhwc_out_.resize(y.numel());
      y_nhwc = nhwc_out_.data();
    }
    for (int64_t b = 0; b < batch; ++b) {
      kernels::qgemm_u8s8(x_nhwc + b * h * w * in_c_, in_c_, q_.x_zp, packed_, h * w,
                          kernels::Epilogue::int32(cols_.data(), n), ctx.pool);
      col2im(h, w, oh, ow);
      kernels::apply_epilogue(acc_.data(), oh * ow, out_c_,
                              kernels::Epilogue::requantize_u8(y_nhwc + b * oh * ow * out_c_, out_c_, k_.multiplier,
                                                               q_.y_zp, k_.bias, q_.qmin, q_.qmax),
                              ctx.pool);
    }
    if (!channels_last_) transpose_planes_u8(nhwc_out_.data(), batch, oh * ow, out_c_, y.data<uint8_t>(), ctx.pool);
    ctx.outputs[0] = y;
  }

 private:
  // acc[oy][ox][oc] = sum of the taps landing on (oy, ox), in input-pixel and tap order.
  void col2im(int64_t h, int64_t w, int64_t oh, int64_t ow) {
    std::fill(acc_.begin(), acc_.end(), 0);
    const int64_t n = kh_ * kw_ * out_c_;
    for (int64_t iy = 0; iy < h; ++iy)
      for (int64_t ix = 0; ix < w; ++ix) {
        const int32_t* col = cols_.data() + (iy * w + ix) * n;
        for (int64_t i = 0; i < kh_; ++i) {
          const int64_t oy = iy * strides_[0] - pads_[0] + i * dilations_[0];
          if (oy < 0 || oy >= oh) continue;
          for (int64_t j = 0; j < kw_; ++j) {
            const int64_t ox = ix * strides_[1] - pads_[1] + j * dilations_[1];
            if (ox < 0 || ox >= ow) continue;
            int32_t* out = acc_.data() + (oy * ow + ox) * out_c_;
            const int32_t* tap = col + (i * kw_ + j) * out_c_;
            for (int64_t oc = 0; oc < out_c_; ++oc) out[oc] += tap[oc];
          }
        }
      }
  }

  const Node& node_;
  Int8Params q_;
  bool channels_last_;
  int64_t in_c_ = 0, out_c_ = 0, kh_ = 0, kw_ = 0;
  std::vector<int64_t> strides_, dilations_, pads_, output_padding_;
  ChannelConstants k_;
  kernels::PackedWeightsS8 packed_;
  std::vector<int32_t> cols_, acc_;          // reused between calls
  std::vector<uint8_t> nhwc_in_, nhwc_out_;  // NCHW inputs and outputs, moved to NHWC and back
};

}  // namespace

void register_int8_conv_transpose(OpRegistry& r) {
  r.add(
      octet_op::kInt8ConvTranspose,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<Int8ConvTranspose>(init); },
      kOctetDomain);
}

}  // namespace octet
