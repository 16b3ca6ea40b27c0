// Backward of the data-movement ops (ONNX semantics as ops/tensor.cc and ops/pad.cc run them): each
// output element is a copy of one input element, so dL/dx is dL/dy sent back to where each element
// came from, summed where one element was copied many times (Gather's repeated indices, Expand,
// Tile) and zero where it was not copied at all (Slice, a cropping Pad). Cast passes dL/dy through
// float32 -> float32 only: a cast to another type ends the gradient.
#include <algorithm>
#include <numeric>
#include <optional>

#include "ops/op_args.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

// The int list of attribute `key` before opset `input_since`, of input `i` from then on; nullopt
// when absent.
std::optional<std::vector<int64_t>> int_list(const BackwardContext& ctx, const char* key, size_t i, int input_since) {
  if (ctx.node.opset < input_since) {
    if (!ctx.node.has_attr(key)) return std::nullopt;
    return ctx.node.attr_ints(key);
  }
  if (i >= ctx.inputs.size() || !ctx.inputs[i]) return std::nullopt;
  return ctx.inputs[i]->to_int64_vector();
}

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end; ++k) p *= s[k];
  return p;
}

// y = data[:axis] x indices x data[axis+1:]: each gradient row adds into the data row it copied.
void gather_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank()), dim = x.dim(axis);
  const std::vector<int64_t> index = input(ctx, 1).to_int64_vector();
  const int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.rank());
  const int64_t n = static_cast<int64_t>(index.size());
  Tensor dx(DType::kFloat32, x.shape());
  const float* pg = dy.data<float>();
  float* pd = dx.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = index[j] < 0 ? index[j] + dim : index[j];
      OCTET_CHECK(i >= 0 && i < dim, ctx.node.describe(), ": index ", index[j], " is out of range for axis ", axis,
                  " of size ", dim);
      const float* g = pg + (o * n + j) * inner;
      float* d = pd + (o * dim + i) * inner;
      for (int64_t e = 0; e < inner; ++e) d[e] += g[e];
    }
  ctx.grad_inputs[0] = dx;
}

// Slice's output is the view of x at offset `base` with x's strides times the steps (ops/tensor.cc's
// clamping of starts and ends): dL/dy goes back through the same view.
void slice_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const auto starts = int_list(ctx, "starts", 1, 10), ends = int_list(ctx, "ends", 2, 10);
  OCTET_CHECK(starts && ends && starts->size() == ends->size(), ctx.node.describe(),
              ": starts and ends must be given with the same length");
  const size_t n = starts->size();
  std::vector<int64_t> axes(n);
  std::iota(axes.begin(), axes.end(), 0);
  if (auto a = int_list(ctx, "axes", 3, 10)) axes = *a;
  std::vector<int64_t> steps(n, 1);
  if (auto s = int_list(ctx, "steps", 4, 10)) steps = *s;
  OCTET_CHECK(axes.size() == n && steps.size() == n, ctx.node.describe(),
              ": starts, ends, axes and steps differ in length");
  axes = normalize_axes(ctx.node, axes, x.rank());
  std::vector<int64_t> strides = contiguous_strides(x.shape());
  int64_t base = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t k = axes[i], d = x.dim(k), step = steps[i];
    OCTET_CHECK(step != 0, ctx.node.describe(), ": step for axis ", k, " is 0");
    int64_t s = (*starts)[i];
    if (s < 0) s += d;
    s = step > 0 ? std::clamp<int64_t>(s, 0, d) : std::clamp<int64_t>(s, 0, std::max<int64_t>(d - 1, 0));
    if (dy.dim(k) > 0) base += s * strides[k];
    strides[k] *= step;
  }
  Tensor dx(DType::kFloat32, x.shape());
  add_strided(dx.data<float>() + base, strides, dy.data<float>(), contiguous_strides(dy.shape()), dy.shape());
  ctx.grad_inputs[0] = dx;
}

// The outputs are consecutive pieces of x along `axis`: dL/dx is their gradients concatenated.
void split_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank());
  const int64_t outer = prod(x.shape(), 0, axis), row = prod(x.shape(), axis, x.rank());
  Tensor dx(DType::kFloat32, x.shape());
  int64_t begin = 0;
  for (size_t k = 0; k < ctx.outputs.size(); ++k) {
    const Tensor dy = grad_output(ctx, k);
    const int64_t piece = prod(dy.shape(), axis, dy.rank());
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(dy.data<float>() + o * piece, piece, dx.data<float>() + o * row + begin);
    begin += piece;
  }
  ctx.grad_inputs[0] = dx;
}

// Expand is a broadcast of x to the output's shape.
void expand_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (wants(ctx, 0)) ctx.grad_inputs[0] = sum_to_shape(grad_output(ctx, 0), input(ctx, 0).shape());
}

// y viewed as [r0, d0, r1, d1, ...] reads x with stride 0 along the repeats (ops/tensor.cc).
void tile_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const std::vector<int64_t> x_strides = contiguous_strides(x.shape());
  Shape view;
  std::vector<int64_t> strides;
  for (int k = 0; k < x.rank(); ++k) {
    view.insert(view.end(), {x.dim(k) == 0 ? 0 : dy.dim(k) / x.dim(k), x.dim(k)});
    strides.insert(strides.end(), {0, x_strides[k]});
  }
  Tensor dx(DType::kFloat32, x.shape());
  add_strided(dx.data<float>(), strides, dy.data<float>(), contiguous_strides(view), view);
  ctx.grad_inputs[0] = dx;
}

void cast_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  OCTET_CHECK(x.dtype() == DType::kFloat32, ctx.node.describe(), ": input 0 is ", dtype_name(x.dtype()),
              ": QAT has no gradient for a non-float32 value");
  // A cast to another type (an index, a mask) ends the gradient: nothing flows back through it.
  ctx.grad_inputs[0] =
      ctx.outputs[0]->dtype() == DType::kFloat32 ? grad_output(ctx, 0).clone() : Tensor(DType::kFloat32, x.shape());
}

// Constant Pad: x[i] sits at y[i + pads_begin] where that is inside y (a negative pad crops), so
// dL/dx is dL/dy cropped to those positions, zero at the cropped-away ones.
void pad_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const std::string mode = ctx.node.attr_string("mode", "constant");
  OCTET_CHECK(mode == "constant", ctx.node.describe(), ": QAT trains through constant Pad only, not mode '", mode, "'");
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const int r = x.rank();
  const auto pads = int_list(ctx, "pads", 1, 11);
  OCTET_CHECK(pads, ctx.node.describe(), ": pads are missing");
  std::vector<int64_t> axes(r);
  std::iota(axes.begin(), axes.end(), 0);
  if (auto a = int_list(ctx, "axes", 3, 18)) axes = normalize_axes(ctx.node, *a, r);
  OCTET_CHECK(pads->size() == 2 * axes.size(), ctx.node.describe(), ": pads has ", pads->size(), " values for ",
              axes.size(), " axes");
  std::vector<int64_t> before(r, 0);
  for (size_t i = 0; i < axes.size(); ++i) before[axes[i]] = (*pads)[i];
  const std::vector<int64_t> x_strides = contiguous_strides(x.shape()), y_strides = contiguous_strides(dy.shape());
  Shape kept(r);
  int64_t x_off = 0, y_off = 0;
  for (int k = 0; k < r; ++k) {
    const int64_t lo = std::max<int64_t>(0, -before[k]), hi = std::min<int64_t>(x.dim(k), dy.dim(k) - before[k]);
    kept[k] = std::max<int64_t>(0, hi - lo);
    x_off += lo * x_strides[k];
    y_off += (lo + before[k]) * y_strides[k];
  }
  Tensor dx(DType::kFloat32, x.shape());
  if (std::all_of(kept.begin(), kept.end(), [](int64_t d) { return d > 0; }))
    add_strided(dx.data<float>() + x_off, x_strides, dy.data<float>() + y_off, y_strides, kept);
  ctx.grad_inputs[0] = dx;
}

}  // namespace

void register_tensor_backward(BackwardTable& t) {
  t["Gather"] = gather_backward;
  t["Slice"] = slice_backward;
  t["Split"] = split_backward;
  t["Expand"] = expand_backward;
  t["Tile"] = tile_backward;
  t["Cast"] = cast_backward;
  t["Pad"] = pad_backward;
}

}  // namespace octet::train
