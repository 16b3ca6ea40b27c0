// ONNX ConvInteger (opset 10): y = conv(x - x_zero_point, w - w_zero_point) as int32, Conv's
// attributes (kernel_shape, strides, dilations, pads, auto_pad, group). x [N, C, H, W] or
// [N, C, L] (a 1-D convolution runs as H = 1), uint8 or int8; w [M, C / group, kh(, kw)], uint8 or
// int8; x_zero_point one value, w_zero_point one or one per output channel. ONNX Runtime's
// quantize_dynamic writes it for a Conv it is asked to quantize.
// On kernels/qconv.h (NHWC u8 x s8 with the int32 epilogue), operands moved as in MatMulInteger
// (ops/integer_operands.h). A constant w is packed once.
#include <algorithm>

#include "kernels/qconv.h"
#include "ops/int8_common.h"
#include "ops/integer_operands.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace octet {

namespace {

class ConvInteger : public OpKernel {
 public:
  explicit ConvInteger(const KernelInit& init)
      : node_(init.node), const_w_(init.constant_input(1) && (!node_.has_input(3) || init.constant_input(3))) {}

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* x_zp = ctx.optional_input(2);
    const Tensor* w_zp = ctx.optional_input(3);
    OCTET_CHECK(is_byte_type(x.dtype()) && is_byte_type(w.dtype()), node_.describe(),
                ": x and w must be uint8 or int8, got ", dtype_name(x.dtype()), " and ", dtype_name(w.dtype()));
    OCTET_CHECK((x.rank() == 4 || x.rank() == 3) && w.rank() == x.rank(), node_.describe(),
                ": 1-D or 2-D convolutions only (x [N, C, (H,) W], w [M, C / group, (kh,) kw]), got x ",
                shape_str(x.shape()), " and w ", shape_str(w.shape()));
    const bool x_flip = x.dtype() == DType::kInt8, w_flip = w.dtype() == DType::kUInt8;
    if (x_zp)
      OCTET_CHECK(x_zp->dtype() == x.dtype() && x_zp->numel() == 1, node_.describe(), ": x_zero_point '",
                  node_.inputs[2], "' must be one ", dtype_name(x.dtype()), " value, got ", dtype_name(x_zp->dtype()),
                  " ", shape_str(x_zp->shape()));
    const uint8_t x_zero = moved_zero_point(x_zp, x_flip);
    // The 2-D problem (a 1-D convolution is one of height 1).
    const bool one_d = x.rank() == 3;
    const int64_t batch = x.dim(0), in_c = x.dim(1), in_h = one_d ? 1 : x.dim(2), in_w = x.dim(-1);
    const int64_t out_c = w.dim(0), kh = one_d ? 1 : w.dim(2), kw = w.dim(-1), group = node_.attr_int("group", 1);
    OCTET_CHECK(group >= 1 && out_c % group == 0 && in_c == w.dim(1) * group, node_.describe(), ": w ",
                shape_str(w.shape()), " with group ", group, " does not fit x ", shape_str(x.shape()));
    const Window win = make_window(node_, Shape(x.shape().begin() + 2, x.shape().end()),
                                   Shape(w.shape().begin() + 2, w.shape().end()), false);
    kernels::Conv2dShape s;
    s.batch = batch, s.in_h = in_h, s.in_w = in_w, s.in_c = in_c, s.out_c = out_c, s.groups = group;
    s.kernel_h = kh, s.kernel_w = kw;
    const size_t wd = win.rank() - 1;  // the width's index in the window; the height's is 0 in 2-D
    s.stride_w = win.strides[wd], s.dilation_w = win.dilations[wd];
    s.pad_left = win.pad_begin[wd], s.pad_right = win.pad_end[wd];
    if (!one_d) {
      s.stride_h = win.strides[0], s.dilation_h = win.dilations[0];
      s.pad_top = win.pad_begin[0], s.pad_bottom = win.pad_end[0];
    }
    const int64_t oh = one_d ? 1 : win.out[0], ow = win.out[wd];
    Shape y_shape{batch, out_c};
    if (!one_d) y_shape.push_back(oh);
    y_shape.push_back(ow);
    Tensor y(DType::kInt32, y_shape);  // zeros: an empty sum
    ctx.outputs[0] = y;
    if (y.numel() == 0 || in_c == 0) return;

    kernels::PackedConvWeights& packed = weights(w, w_zp, w_flip, s);
    packed.shape = s;
    const int64_t in_pixels = in_h * in_w, out_pixels = oh * ow;
    std::vector<uint8_t> x_moved, x_nhwc(x.numel());
    const auto* x_codes = static_cast<const uint8_t*>(x.raw());
    if (x_flip) x_moved = moved_bytes(x, true), x_codes = x_moved.data();
    transpose_planes_u8(x_codes, batch, in_c, in_pixels, x_nhwc.data(), ctx.pool);
    std::vector<int32_t> y_nhwc(batch * out_pixels * out_c);
    kernels::qconv2d_u8s8_nhwc(x_nhwc.data(), x_zero, packed, kernels::Epilogue::int32(y_nhwc.data(), out_c), ctx.pool);
    int32_t* out = y.data<int32_t>();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t p = 0; p < out_pixels; ++p)
        for (int64_t c = 0; c < out_c; ++c)
          out[(b * out_c + c) * out_pixels + p] = y_nhwc[(b * out_pixels + p) * out_c + c];
  }

 private:
  // w as int8 (uint8 moved by 128) with its zero points, packed; kept when w is a constant.
  kernels::PackedConvWeights& weights(const Tensor& w, const Tensor* w_zp, bool flip, const kernels::Conv2dShape& s) {
    if (const_w_ && packed_.table) return packed_;  // what it packs depends on w and the attributes only
    if (w_zp)
      OCTET_CHECK(w_zp->dtype() == w.dtype() && (w_zp->numel() == 1 || w_zp->numel() == s.out_c), node_.describe(),
                  ": w_zero_point '", node_.inputs[3], "' must be ", dtype_name(w.dtype()), " with 1 or ", s.out_c,
                  " values, got ", dtype_name(w_zp->dtype()), " ", shape_str(w_zp->shape()));
    const std::vector<uint8_t> codes = moved_bytes(w, flip);
    packed_ = kernels::pack_conv_weights_s8(reinterpret_cast<const int8_t*>(codes.data()), s,
                                            moved_weight_zero_points(w_zp, flip));
    return packed_;
  }

  const Node& node_;
  const bool const_w_;  // w and its zero point are constants: packed on the first run, then kept
  kernels::PackedConvWeights packed_;
};

}  // namespace

void register_conv_integer_ops(OpRegistry& r) {
  r.add("ConvInteger",
        [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<ConvInteger>(init); });
}

}  // namespace octet
