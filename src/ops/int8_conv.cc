// com.octet Int8Conv: a lowered DQ -> Conv (-> Relu/Clip) -> Q unit (passes/lower_static.cc) on
// kernels/qconv.h. Inputs: x (uint8 NCHW), w (int8 [OC][C/g][KH][KW], constant), w_scale
// (constant, 1 or OC values), w_zero_point (constant int8, optional), bias (constant int32 [OC]
// with scale x_scale * w_scale, optional). Attributes: Conv's (pads, strides, dilations, group;
// kernel 2-D, explicit pads), int8_params', and channels_last (x and y NHWC, set by
// passes/channels_last.cc; otherwise each call transposes in and out of the kernel's NHWC).
// Output: uint8 NCHW (NHWC with channels_last).
// Optional input 5, residual (uint8, the output's shape; passes/fuse_int8_conv_add.cc): the output
// is then Int8Add(conv code, residual) instead, as that op computes it (kernels::ResidualAdd), with
// attributes add_scale / add_zero_point (the conv code as the Add reads it), residual_scale /
// residual_zero_point, sum_scale / sum_zero_point and sum_qmin (a ReLU after the Add).
#include <optional>

#include "ir/octet_ops.h"
#include "kernels/qconv.h"
#include "ops/int8_common.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace octet {

namespace {

class Int8Conv : public OpKernel {
 public:
  explicit Int8Conv(const KernelInit& init)
      : node_(init.node), q_(int8_params(init.node)), channels_last_(init.node.attr_int("channels_last", 0) != 0) {
    const Tensor* w = init.constant_input(1);
    const Tensor* ws = init.constant_input(2);
    OCTET_CHECK(w && ws && w->dtype() == DType::kInt8 && w->rank() == 4, node_.describe(),
                ": needs a constant int8 4-D weight and a constant w_scale");
    kernels::Conv2dShape& s = shape_;
    s.out_c = w->dim(0);
    s.groups = node_.attr_int("group", 1);
    OCTET_CHECK(s.groups >= 1 && s.out_c % s.groups == 0, node_.describe(), ": group ", s.groups, " does not divide ",
                s.out_c, " output channels");
    s.in_c = w->dim(1) * s.groups;
    s.kernel_h = w->dim(2);
    s.kernel_w = w->dim(3);
    const auto strides = spatial_attr(node_, "strides", 2, 1), dil = spatial_attr(node_, "dilations", 2, 1),
               pads = explicit_pads(node_, 2);
    s.stride_h = strides[0];
    s.stride_w = strides[1];
    s.dilation_h = dil[0];
    s.dilation_w = dil[1];
    s.pad_top = pads[0];
    s.pad_left = pads[1];
    s.pad_bottom = pads[2];
    s.pad_right = pads[3];
    // Packing does not depend on the image size; the spatial dims are set per call in run().
    s.in_h = s.dilation_h * (s.kernel_h - 1) + 1;
    s.in_w = s.dilation_w * (s.kernel_w - 1) + 1;
    const Tensor* wzp = init.constant_input(3);
    k_ = channel_constants(node_, *ws, wzp, init.constant_input(4), s.out_c, q_);
    packed_ = kernels::pack_conv_weights_s8(w->data<int8_t>(), s, k_.w_zero_point);
    if (node_.inputs.size() > 5 && !node_.inputs[5].empty()) {
      OCTET_CHECK(channels_last_, node_.describe(), ": a residual input needs channels_last = 1");
      residual_ = residual_add(node_);
    }
  }

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int c_axis = channels_last_ ? 3 : 1, h_axis = channels_last_ ? 1 : 2;
    OCTET_CHECK(x.dtype() == DType::kUInt8 && x.rank() == 4 && x.dim(c_axis) == shape_.in_c, node_.describe(),
                ": input must be uint8 ", channels_last_ ? "[N, H, W, " : "[N, ", shape_.in_c,
                channels_last_ ? "]" : ", H, W]", ", got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));
    kernels::Conv2dShape& s = packed_.shape;
    s.batch = x.dim(0);
    s.in_h = x.dim(h_axis);
    s.in_w = x.dim(h_axis + 1);
    const int64_t oh = s.out_h(), ow = s.out_w();
    OCTET_CHECK(oh > 0 && ow > 0, node_.describe(), ": input ", shape_str(x.shape()), " is smaller than the kernel");
    if (residual_) {
      const Tensor& r = ctx.input(5);
      const Shape y_shape = channels_last_ ? Shape{s.batch, oh, ow, s.out_c} : Shape{s.batch, s.out_c, oh, ow};
      OCTET_CHECK(r.dtype() == DType::kUInt8 && r.shape() == y_shape, node_.describe(), ": residual must be uint8 ",
                  shape_str(y_shape), " (the output's shape), got ", dtype_name(r.dtype()), " ", shape_str(r.shape()));
      residual_->shortcut = r.data<uint8_t>();
      residual_->ld = s.out_c;
    }
    if (channels_last_) {
      Tensor y = Tensor::uninitialized(DType::kUInt8, {s.batch, oh, ow, s.out_c});
      conv(x.data<uint8_t>(), y.data<uint8_t>(), ctx.pool);
      ctx.outputs[0] = y;
      return;
    }
    const int64_t in_pixels = s.in_h * s.in_w, out_pixels = oh * ow;
    nhwc_in_.resize(x.numel());
    nhwc_out_.resize(s.batch * out_pixels * s.out_c);
    transpose_planes_u8(x.data<uint8_t>(), s.batch, s.in_c, in_pixels, nhwc_in_.data(), ctx.pool);
    conv(nhwc_in_.data(), nhwc_out_.data(), ctx.pool);
    Tensor y(DType::kUInt8, {s.batch, s.out_c, oh, ow});
    transpose_planes_u8(nhwc_out_.data(), s.batch, out_pixels, s.out_c, y.data<uint8_t>(), ctx.pool);
    ctx.outputs[0] = y;
  }

 private:
  void conv(const uint8_t* x_nhwc, uint8_t* y_nhwc, ThreadPool& pool) {
    auto ep = kernels::Epilogue::requantize_u8(y_nhwc, shape_.out_c, k_.multiplier, q_.y_zp, k_.bias, q_.qmin, q_.qmax);
    ep.residual = residual_;
    kernels::qconv2d_u8s8_nhwc(x_nhwc, q_.x_zp, packed_, ep, pool);
  }

  // The Add's constants: the multipliers of Int8Add (kernels/qelementwise.h), operand order
  // immaterial (the kernel's float sum is commutative). The shortcut is set per call.
  static kernels::ResidualAdd residual_add(const Node& n) {
    kernels::ResidualAdd r;
    const float sum_scale = scale_attr(n, "sum_scale");
    r.out_zp = code_attr(n, "add_zero_point");
    r.out_m = scale_attr(n, "add_scale") / sum_scale;
    r.shortcut_zp = code_attr(n, "residual_zero_point");
    r.shortcut_m = scale_attr(n, "residual_scale") / sum_scale;
    r.y_zp = code_attr(n, "sum_zero_point");
    r.qmin = code_attr(n, "sum_qmin", 0);
    return r;
  }

  const Node& node_;
  Int8Params q_;
  bool channels_last_;
  kernels::Conv2dShape shape_;
  ChannelConstants k_;
  kernels::PackedConvWeights packed_;
  std::optional<kernels::ResidualAdd> residual_;  // with input 5
  std::vector<uint8_t> nhwc_in_, nhwc_out_;       // reused between calls
};

}  // namespace

void register_int8_conv(OpRegistry& r) {
  r.add(
      octet_op::kInt8Conv,
      [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<Int8Conv>(init); },
      kOctetDomain);
}

}  // namespace octet
