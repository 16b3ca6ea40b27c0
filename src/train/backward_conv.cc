// Conv's backward (ONNX Conv, 1-D to 3-D, groups, strides, pads, dilations, auto_pad): dL/dX by
// oneDNN's convolution_backward_data, dL/dW by convolution_backward_weights (both need the
// forward_training primitive descriptor as a hint), dL/dB = sum of dL/dY over the batch and space.
// The geometry is the forward's (ops/window.h), so the backward convolves what the forward did.
#include "ops/dnnl_util.h"
#include "ops/window.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

using dnnl::memory;
namespace du = dnnl_util;

// The convolution as oneDNN's dims: the weight as (g)oi..., dilations as oneDNN's (ONNX's - 1).
struct ConvDims {
  memory::dims x, w, y, strides, dilates, pad_l, pad_r;
};

ConvDims conv_dims(const Node& node, const Shape& x, const Shape& w, const Shape& y) {
  OCTET_CHECK(node.attr_int("channels_last", 0) == 0 && x.size() >= 3 && w.size() == x.size(), node.describe(),
              ": training needs a plain [N, C, d...] convolution, got input ", shape_str(x), " and weight ",
              shape_str(w));
  const int64_t group = node.attr_int("group", 1);
  const Window win = make_window(node, Shape(x.begin() + 2, x.end()), Shape(w.begin() + 2, w.end()), false);
  ConvDims d{du::to_dims(x), du::to_dims(w), du::to_dims(y), {}, {}, {}, {}};
  if (group > 1) {  // [M, C/g, k...] as [g, M/g, C/g, k...]: the same memory
    d.w[0] /= group;
    d.w.insert(d.w.begin(), group);
  }
  for (size_t i = 0; i < win.rank(); ++i) {
    d.strides.push_back(win.strides[i]);
    d.dilates.push_back(win.dilations[i] - 1);
    d.pad_l.push_back(win.pad_begin[i]);
    d.pad_r.push_back(win.pad_end[i]);
  }
  return d;
}

memory plain_memory(const memory::dims& dims, const Tensor& t) {
  return memory(du::plain_desc(dims), du::engine(), const_cast<void*>(t.raw()));
}

// dL/dB[m] = sum over n and the output positions of dL/dY[n, m, ...].
Tensor bias_grad(const Tensor& dy) {
  const int64_t n = dy.dim(0), m = dy.dim(1), inner = n * m == 0 ? 0 : dy.numel() / (n * m);
  Tensor db(DType::kFloat32, {m});
  const float* g = dy.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < m; ++c)
      for (int64_t i = 0; i < inner; ++i) db.data<float>()[c] += g[(b * m + c) * inner + i];
  return db;
}

void conv_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  const Node& node = ctx.node;
  const Tensor& x = input(ctx, 0);
  const Tensor& w = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const ConvDims d = conv_dims(node, x.shape(), w.shape(), dy.shape());
  if (wants(ctx, 0)) ctx.grad_inputs[0] = Tensor(DType::kFloat32, x.shape());
  if (wants(ctx, 1)) ctx.grad_inputs[1] = Tensor(DType::kFloat32, w.shape());
  if (wants(ctx, 2)) ctx.grad_inputs[2] = bias_grad(dy);
  if (x.numel() == 0 || w.numel() == 0 || dy.numel() == 0 || !(wants(ctx, 0) || wants(ctx, 1))) return;

  // Multiply-adds, about: every weight meets every output position of every image.
  du::OpenMpThreads omp(ctx.pool, du::threads_for(dy.numel() / dy.dim(1) * w.numel(), ctx.pool.size()));
  const auto direct = dnnl::algorithm::convolution_direct;
  const memory::desc x_md = du::plain_desc(d.x), w_md = du::plain_desc(d.w), y_md = du::plain_desc(d.y);
  try {
    const dnnl::convolution_forward::primitive_desc hint(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, x_md, w_md, y_md, d.strides,
                                        d.dilates, d.pad_l, d.pad_r),
        du::engine());
    memory dy_mem = plain_memory(d.y, dy);
    if (wants(ctx, 0)) {
      const dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(direct, x_md, w_md, y_md, d.strides, d.dilates, d.pad_l, d.pad_r),
          du::engine(), hint);
      dnnl::convolution_backward_data(pd).execute(du::stream(),
                                                  {{DNNL_ARG_DIFF_DST, dy_mem},
                                                   {DNNL_ARG_WEIGHTS, plain_memory(d.w, w)},
                                                   {DNNL_ARG_DIFF_SRC, plain_memory(d.x, ctx.grad_inputs[0])}});
    }
    if (wants(ctx, 1)) {
      const dnnl::convolution_backward_weights::primitive_desc pd(
          dnnl::convolution_backward_weights::desc(direct, x_md, w_md, y_md, d.strides, d.dilates, d.pad_l, d.pad_r),
          du::engine(), hint);
      dnnl::convolution_backward_weights(pd).execute(du::stream(),
                                                     {{DNNL_ARG_DIFF_DST, dy_mem},
                                                      {DNNL_ARG_SRC, plain_memory(d.x, x)},
                                                      {DNNL_ARG_DIFF_WEIGHTS, plain_memory(d.w, ctx.grad_inputs[1])}});
    }
    du::stream().wait();
  } catch (const dnnl::error& e) {
    fail(node.describe(), ": oneDNN cannot run this convolution's backward (", e.what(), ")");
  }
}

}  // namespace

void register_conv_backward(BackwardTable& t) { t["Conv"] = conv_backward; }

}  // namespace octet::train
