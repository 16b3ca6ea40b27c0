// The lowered element-wise and pooling INT8 ops (domain com.octet, made by passes/lower_static.cc):
//  Int8Add(a, b)          uint8 operands, numpy broadcasting; attributes a_scale, a_zero_point,
//                         b_scale, b_zero_point, y_scale, y_zero_point, qmin (ReLU folded in as
//                         qmin = y_zp)
//  Int8Mul(a, b)          uint8 operands, numpy broadcasting (squeeze-excite's x * gate);
//                         attributes as Int8Add's (no qmin)
//  Int8Lookup(x, table)   y = table[x]: any unary float op between a DQ and a Q, tabulated over
//                         the 256 codes at lowering time (so it equals the QDQ reference exactly);
//                         attributes y_scale, y_zero_point describe y (unused here; run --stats)
//  Int8GlobalAveragePool  uint8 [N, C, ...] -> [N, C, 1, ...]; x/y scale and zero point
//  Int8MaxPool            uint8 NCHW 2-D max pooling (kernel_shape, strides, pads; no dilation,
//                         floor mode): max commutes with the monotonic quantization, so it
//                         works on the codes and needs no qparams
//                         (both pools: channels_last = 1 for [N, H, W, C], passes/channels_last.cc)
//  Int8Concat             uint8 operands, attributes axis, scales, zero_points (one per operand),
//                         y_scale, y_zero_point
#include <algorithm>
#include <cmath>

#include "ir/octet_ops.h"
#include "kernels/qelementwise.h"
#include "kernels/qpool.h"
#include "ops/broadcast.h"
#include "ops/int8_common.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace octet {

namespace {

const Tensor& u8_input(KernelContext& ctx, size_t i) {
  const Tensor& t = ctx.input(i);
  OCTET_CHECK(t.dtype() == DType::kUInt8, ctx.node.describe(), ": input ", i, " must be uint8, got ",
              dtype_name(t.dtype()));
  return t;
}

void int8_add(KernelContext& ctx) {
  const Node& n = ctx.node;
  const Tensor &a = u8_input(ctx, 0), &b = u8_input(ctx, 1);
  const uint8_t a_zp = code_attr(n, "a_zero_point"), b_zp = code_attr(n, "b_zero_point"),
                y_zp = code_attr(n, "y_zero_point");
  const float a_scale = scale_attr(n, "a_scale"), b_scale = scale_attr(n, "b_scale"),
              y_scale = scale_attr(n, "y_scale");
  Tensor y;
  if (a.shape() == b.shape()) {
    y = Tensor::uninitialized(DType::kUInt8, a.shape());
    kernels::qadd_u8(a.data<uint8_t>(), a_scale, a_zp, b.data<uint8_t>(), b_scale, b_zp, a.numel(), y_scale, y_zp,
                     y.data<uint8_t>(), ctx.pool);
  } else {
    const Shape shape = broadcast_shapes({&a.shape(), &b.shape()}, n.describe());
    const BroadcastPlan plan(shape, {&a.shape(), &b.shape()}, n.describe());
    y = Tensor::uninitialized(DType::kUInt8, shape);
    const uint8_t *pa = a.data<uint8_t>(), *pb = b.data<uint8_t>();
    uint8_t* py = y.data<uint8_t>();
    ctx.pool.parallel_for(plan.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
      plan.for_segments(begin, end, [&](int64_t out, const int64_t* in, int64_t len) {
        kernels::qadd_u8_segment(len, pa + in[0], plan.step(0), a_zp, a_scale / y_scale, pb + in[1], plan.step(1), b_zp,
                                 b_scale / y_scale, y_zp, py + out);
      });
    });
  }
  const uint8_t qmin = code_attr(n, "qmin", 0);
  if (qmin > 0) {  // a fused ReLU: codes below the output zero point are negative values
    uint8_t* d = y.data<uint8_t>();
    for (int64_t i = 0; i < y.numel(); ++i) d[i] = std::max(d[i], qmin);
  }
  ctx.outputs[0] = y;
}

void int8_mul(KernelContext& ctx) {
  const Node& n = ctx.node;
  const Tensor &a = u8_input(ctx, 0), &b = u8_input(ctx, 1);
  const Shape shape = broadcast_shapes({&a.shape(), &b.shape()}, n.describe());
  const BroadcastPlan plan(shape, {&a.shape(), &b.shape()}, n.describe());
  const float m =
      kernels::qmul_multiplier(scale_attr(n, "a_scale"), scale_attr(n, "b_scale"), scale_attr(n, "y_scale"));
  const uint8_t a_zp = code_attr(n, "a_zero_point"), b_zp = code_attr(n, "b_zero_point"),
                y_zp = code_attr(n, "y_zero_point");
  Tensor y = Tensor::uninitialized(DType::kUInt8, shape);
  const uint8_t *pa = a.data<uint8_t>(), *pb = b.data<uint8_t>();
  uint8_t* py = y.data<uint8_t>();
  ctx.pool.parallel_for(plan.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    plan.for_segments(begin, end, [&](int64_t out, const int64_t* in, int64_t len) {
      kernels::qmul_u8_segment(len, pa + in[0], plan.step(0), a_zp, pb + in[1], plan.step(1), b_zp, m, y_zp, py + out);
    });
  });
  ctx.outputs[0] = y;
}

void int8_lookup(KernelContext& ctx) {
  const Tensor& x = u8_input(ctx, 0);
  const Tensor& table = ctx.input(1);
  OCTET_CHECK(table.dtype() == DType::kUInt8 && table.numel() == 256, ctx.node.describe(),
              ": table must be 256 uint8 values");
  Tensor y = Tensor::uninitialized(DType::kUInt8, x.shape());
  kernels::lookup_u8(x.data<uint8_t>(), x.numel(), table.data<uint8_t>(), y.data<uint8_t>(), ctx.pool);
  ctx.outputs[0] = y;
}

// kernels/qpool.h's global average over [batch][pixels][channels]: NHWC is (N, H * W, C), NCHW
// [N, C, ...] is (N * C, pixels, 1).
void int8_global_average_pool(KernelContext& ctx) {
  const Node& n = ctx.node;
  const Tensor& x = u8_input(ctx, 0);
  const float x_scale = scale_attr(n, "x_scale"), y_scale = scale_attr(n, "y_scale");
  const uint8_t x_zp = code_attr(n, "x_zero_point"), y_zp = code_attr(n, "y_zero_point");
  const bool nhwc = n.attr_int("channels_last", 0) != 0;
  OCTET_CHECK(nhwc ? x.rank() == 4 : x.rank() >= 3, n.describe(), ": input must be ",
              nhwc ? "[N, H, W, C]" : "[N, C, ...]", ", got ", shape_str(x.shape()));
  OCTET_CHECK(x.numel() > 0, n.describe(), ": input ", shape_str(x.shape()), " is empty");
  Shape ys(x.rank(), 1);
  ys[0] = x.dim(0);
  ys[nhwc ? 3 : 1] = x.dim(nhwc ? 3 : 1);
  Tensor y(DType::kUInt8, ys);
  const int64_t channels = nhwc ? x.dim(3) : 1, batch = nhwc ? x.dim(0) : x.dim(0) * x.dim(1);
  kernels::qglobal_avgpool_u8_nhwc(x.data<uint8_t>(), batch, x.numel() / (batch * channels), channels, x_scale, x_zp,
                                   y_scale, y_zp, y.data<uint8_t>(), ctx.pool);
  ctx.outputs[0] = y;
}

void int8_max_pool(KernelContext& ctx) {
  const Node& n = ctx.node;
  const Tensor& x = u8_input(ctx, 0);
  const bool channels_last = n.attr_int("channels_last", 0) != 0;
  OCTET_CHECK(x.rank() == 4, n.describe(), ": input must be ", channels_last ? "[N, H, W, C]" : "[N, C, H, W]",
              ", got ", shape_str(x.shape()));
  const std::vector<int64_t> k = n.attr_ints("kernel_shape");
  OCTET_CHECK(k.size() == 2, n.describe(), ": needs a 2-D kernel_shape");
  const int64_t h = x.dim(channels_last ? 1 : 2), w = x.dim(channels_last ? 2 : 3);
  const Window win = make_window(n, {h, w}, k, /*ceil_mode=*/false);
  OCTET_CHECK(win.dilations == std::vector<int64_t>({1, 1}), n.describe(), ": dilations are not supported");
  const std::vector<int64_t>& st = win.strides;
  const std::vector<int64_t>& pb = win.pad_begin;
  if (channels_last) {
    kernels::Pool2dShape s;
    s.batch = x.dim(0), s.in_h = h, s.in_w = w, s.channels = x.dim(3);
    s.kernel_h = k[0], s.kernel_w = k[1], s.stride_h = st[0], s.stride_w = st[1];
    s.pad_top = pb[0], s.pad_left = pb[1], s.pad_bottom = win.pad_end[0], s.pad_right = win.pad_end[1];
    Tensor y(DType::kUInt8, {s.batch, win.out[0], win.out[1], s.channels});
    kernels::qmaxpool2d_u8_nhwc(x.data<uint8_t>(), s, y.data<uint8_t>(), ctx.pool);
    ctx.outputs[0] = y;
    return;
  }
  const int64_t oh = win.out[0], ow = win.out[1];
  Tensor y(DType::kUInt8, {x.dim(0), x.dim(1), oh, ow});
  const uint8_t* xd = x.data<uint8_t>();
  uint8_t* yd = y.data<uint8_t>();
  ctx.pool.parallel_for(x.dim(0) * x.dim(1), 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const uint8_t* plane = xd + p * h * w;
      uint8_t* out = yd + p * oh * ow;
      for (int64_t oy = 0; oy < oh; ++oy) {
        // Padding never wins a max (ONNX pads MaxPool with -inf): clip the window to the image.
        const int64_t y0 = std::max<int64_t>(oy * st[0] - pb[0], 0), y1 = std::min(oy * st[0] - pb[0] + k[0], h);
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t x0 = std::max<int64_t>(ox * st[1] - pb[1], 0), x1 = std::min(ox * st[1] - pb[1] + k[1], w);
          uint8_t m = 0;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) m = std::max(m, plane[iy * w + ix]);
          out[oy * ow + ox] = m;
        }
      }
    }
  });
  ctx.outputs[0] = y;
}

void int8_concat(KernelContext& ctx) {
  const Node& n = ctx.node;
  const auto scales = n.attr_floats("scales");
  const auto zps = n.attr_ints("zero_points");
  OCTET_CHECK(scales.size() == ctx.num_inputs() && zps.size() == ctx.num_inputs(), n.describe(),
              ": needs one scale and zero point per operand");
  const Tensor& first = u8_input(ctx, 0);
  int64_t axis = n.attr_int("axis", 0);
  OCTET_CHECK(axis >= -first.rank() && axis < first.rank(), n.describe(), ": axis ", axis, " out of range");
  if (axis < 0) axis += first.rank();
  int64_t outer = 1, inner = 1, total = 0;
  for (int64_t d = 0; d < axis; ++d) outer *= first.dim(d);
  for (int64_t d = axis + 1; d < first.rank(); ++d) inner *= first.dim(d);
  std::vector<kernels::QConcatInput> in;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& t = u8_input(ctx, i);
    OCTET_CHECK(t.rank() == first.rank(), n.describe(), ": operand ", i, " has rank ", t.rank());
    for (int64_t d = 0; d < t.rank(); ++d)
      OCTET_CHECK(d == axis || t.dim(d) == first.dim(d), n.describe(), ": operand ", i, " has shape ",
                  shape_str(t.shape()), ", operand 0 ", shape_str(first.shape()));
    OCTET_CHECK(zps[i] >= 0 && zps[i] <= 255, n.describe(), ": zero point ", zps[i], " is not a uint8 code");
    in.push_back({t.data<uint8_t>(), t.dim(axis), scales[i], static_cast<uint8_t>(zps[i])});
    total += t.dim(axis);
  }
  Shape ys = first.shape();
  ys[axis] = total;
  Tensor y(DType::kUInt8, ys);
  kernels::qconcat_u8(in, outer, inner, scale_attr(n, "y_scale"), code_attr(n, "y_zero_point"), y.data<uint8_t>(),
                      ctx.pool);
  ctx.outputs[0] = y;
}

}  // namespace

void register_int8_ops(OpRegistry& r) {
  register_int8_conv(r);
  register_int8_conv_transpose(r);
  register_int8_matmul(r);
  r.add(octet_op::kInt8Add, int8_add, kOctetDomain);
  r.add(octet_op::kInt8Mul, int8_mul, kOctetDomain);
  r.add(octet_op::kInt8Lookup, int8_lookup, kOctetDomain);
  r.add(octet_op::kInt8GlobalAveragePool, int8_global_average_pool, kOctetDomain);
  r.add(octet_op::kInt8Concat, int8_concat, kOctetDomain);
  r.add(octet_op::kInt8MaxPool, int8_max_pool, kOctetDomain);
}

}  // namespace octet
