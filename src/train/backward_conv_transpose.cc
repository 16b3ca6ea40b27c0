// ConvTranspose's backward (ONNX ConvTranspose, 1-D to 3-D, groups, strides, pads, output_padding,
// dilations, auto_pad / output_shape): dL/dX by oneDNN's deconvolution_backward_data, dL/dW by
// deconvolution_backward_weights (both with the forward_training primitive descriptor as a hint),
// dL/dB = sum of dL/dY over the batch and space. The geometry is the one ops/conv.cc's forward
// gives oneDNN: the begin padding as ONNX derives it, the end padding what makes the output size.
#include "ops/dnnl_util.h"
#include "ops/op_args.h"
#include "ops/window.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

using dnnl::memory;
namespace du = dnnl_util;

struct DeconvDims {
  memory::desc x, w, y;
  memory::dims strides, dilates, pad_l, pad_r;
};

DeconvDims deconv_dims(const Node& node, const Shape& x, const Shape& w, const Shape& y) {
  OCTET_CHECK(x.size() >= 3 && w.size() == x.size() && y.size() == x.size(), node.describe(),
              ": training needs a plain [N, C, d...] transposed convolution, got input ", shape_str(x), " and weight ",
              shape_str(w));
  const size_t rank = x.size() - 2;
  const int64_t group = node.attr_int("group", 1), c = x[1], og = w[1], ig = c / group;
  OCTET_CHECK(w[0] == c && c % group == 0, node.describe(), ": weight ", shape_str(w), " with group ", group,
              " does not fit input ", shape_str(x));
  const std::vector<int64_t> strides = spatial_attr(node, "strides", rank, 1);
  const std::vector<int64_t> dilations = spatial_attr(node, "dilations", rank, 1);
  const std::vector<int64_t> out_pad = spatial_attr(node, "output_padding", rank, 0, 0);
  const std::vector<int64_t> pads = explicit_pads(node, rank);
  const AutoPad pad = auto_pad(node);
  const bool derived =
      !node.attr_ints("output_shape").empty() || pad == AutoPad::kSameUpper || pad == AutoPad::kSameLower;
  DeconvDims d;
  for (size_t k = 0; k < rank; ++k) {
    const int64_t reach = strides[k] * (x[k + 2] - 1) + (w[k + 2] - 1) * dilations[k] + 1;
    const int64_t total = reach + out_pad[k] - y[k + 2];  // ONNX: total_padding = full - output size
    int64_t begin = pads[k];
    if (derived) begin = pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
    if (pad == AutoPad::kValid) begin = 0;
    d.strides.push_back(strides[k]);
    d.dilates.push_back(dilations[k] - 1);
    d.pad_l.push_back(begin);
    d.pad_r.push_back(reach - y[k + 2] - begin);  // output_padding counts as less end padding
  }
  // The ONNX weight [C, M/group, k...] as oneDNN's (g)oi...: o and i strides swapped.
  const Shape kernel(w.begin() + 2, w.end());
  const std::vector<int64_t> k_strides = contiguous_strides(kernel);
  const int64_t k_numel = w[0] * w[1] == 0 ? 0 : shape_numel(w) / (w[0] * w[1]);
  memory::dims dims = {og, ig}, st = {k_numel, og * k_numel};
  if (group > 1) {
    dims.insert(dims.begin(), group);
    st.insert(st.begin(), ig * og * k_numel);
  }
  dims.insert(dims.end(), kernel.begin(), kernel.end());
  st.insert(st.end(), k_strides.begin(), k_strides.end());
  d.x = du::plain_desc(du::to_dims(x));
  d.w = du::strided_desc(dims, st);
  d.y = du::plain_desc(du::to_dims(y));
  return d;
}

void conv_transpose_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  const Node& node = ctx.node;
  const Tensor& x = input(ctx, 0);
  const Tensor& w = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const DeconvDims d = deconv_dims(node, x.shape(), w.shape(), dy.shape());
  if (wants(ctx, 0)) ctx.grad_inputs[0] = Tensor(DType::kFloat32, x.shape());
  if (wants(ctx, 1)) ctx.grad_inputs[1] = Tensor(DType::kFloat32, w.shape());
  if (wants(ctx, 2)) ctx.grad_inputs[2] = channel_sum(dy);
  if (x.numel() == 0 || w.numel() == 0 || dy.numel() == 0 || !(wants(ctx, 0) || wants(ctx, 1))) return;

  // Multiply-adds, about: every weight meets every input position of every image.
  du::OpenMpThreads omp(ctx.pool, du::threads_for(x.numel() / x.dim(1) * w.numel(), ctx.pool.size()));
  const auto direct = dnnl::algorithm::deconvolution_direct;
  auto mem = [](const memory::desc& md, const Tensor& t) {
    return memory(md, du::engine(), const_cast<void*>(t.raw()));
  };
  try {
    const dnnl::deconvolution_forward::primitive_desc hint(
        dnnl::deconvolution_forward::desc(dnnl::prop_kind::forward_training, direct, d.x, d.w, d.y, d.strides,
                                          d.dilates, d.pad_l, d.pad_r),
        du::engine());
    if (wants(ctx, 0)) {
      const dnnl::deconvolution_backward_data::primitive_desc pd(
          dnnl::deconvolution_backward_data::desc(direct, d.x, d.w, d.y, d.strides, d.dilates, d.pad_l, d.pad_r),
          du::engine(), hint);
      dnnl::deconvolution_backward_data(pd).execute(du::stream(), {{DNNL_ARG_DIFF_DST, mem(d.y, dy)},
                                                                   {DNNL_ARG_WEIGHTS, mem(d.w, w)},
                                                                   {DNNL_ARG_DIFF_SRC, mem(d.x, ctx.grad_inputs[0])}});
    }
    if (wants(ctx, 1)) {
      const dnnl::deconvolution_backward_weights::primitive_desc pd(
          dnnl::deconvolution_backward_weights::desc(direct, d.x, d.w, d.y, d.strides, d.dilates, d.pad_l, d.pad_r),
          du::engine(), hint);
      dnnl::deconvolution_backward_weights(pd).execute(du::stream(),
                                                       {{DNNL_ARG_DIFF_DST, mem(d.y, dy)},
                                                        {DNNL_ARG_SRC, mem(d.x, x)},
                                                        {DNNL_ARG_DIFF_WEIGHTS, mem(d.w, ctx.grad_inputs[1])}});
    }
    du::stream().wait();
  } catch (const dnnl::error& e) {
    fail(node.describe(), ": oneDNN cannot run this transposed convolution's backward (", e.what(), ")");
  }
}

}  // namespace

void register_conv_transpose_backward(BackwardTable& t) { t["ConvTranspose"] = conv_transpose_backward; }

}  // namespace octet::train
