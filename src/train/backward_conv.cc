// Conv's backward (ONNX Conv, 1-D to 3-D, groups, strides, pads, dilations, auto_pad): dL/dX by
// oneDNN's convolution_backward_data, dL/dW by convolution_backward_weights (both need the
// forward_training primitive descriptor as a hint), dL/dB = sum of dL/dY over the batch and space.
// The primitives pick their own layouts (format_tag::any: oneDNN's plain-layout backward is
// im2col + GEMM, many times slower for depthwise and 1x1 convolutions than its blocked JIT kernels),
// with reorders to and from octet's plain tensors.
// The geometry is the forward's (ops/window.h), so the backward convolves what the forward did.
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

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

// One side of a primitive argument: octet's plain tensor and the layout the primitive chose
// (format_tag::any); the reorder between them is made once, with the buffer in the primitive's layout.
class Layout {
 public:
  Layout() = default;
  Layout(const memory::dims& dims, const memory::desc& want) : plain_(du::plain_desc(dims)), want_(want) {
    if (plain_ == want_) return;
    buffer_ = memory(want_, du::engine());
    to_want_ = dnnl::reorder(dnnl::reorder::primitive_desc(du::engine(), plain_, du::engine(), want_));
    to_plain_ = dnnl::reorder(dnnl::reorder::primitive_desc(du::engine(), want_, du::engine(), plain_));
  }
  // The primitive's input: `data` itself or its copy in the primitive's layout.
  memory in(const Tensor& t) {
    memory user(plain_, du::engine(), const_cast<void*>(t.raw()));
    if (!to_want_) return user;
    to_want_.execute(du::stream(), user, buffer_);
    return buffer_;
  }
  // The primitive's output buffer; finish() copies it into t when it is not t itself.
  memory out(Tensor& t) { return to_plain_ ? buffer_ : memory(plain_, du::engine(), t.raw()); }
  void finish(Tensor& t) {
    if (!to_plain_) return;
    memory user(plain_, du::engine(), t.raw());
    to_plain_.execute(du::stream(), buffer_, user);
  }

 private:
  memory::desc plain_, want_;
  memory buffer_;
  dnnl::reorder to_want_, to_plain_;
};

// Both backward primitives of one convolution geometry and thread count, with the layouts they
// chose: made on the first backward of that geometry and reused by every later step (making them
// costs more than running a small one).
struct ConvBackwardPlan {
  explicit ConvBackwardPlan(const ConvDims& d) {
    const auto any = [](const memory::dims& dims) {
      return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
    };
    const auto direct = dnnl::algorithm::convolution_direct;
    const dnnl::convolution_forward::primitive_desc hint(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, any(d.x), any(d.w), any(d.y),
                                        d.strides, d.dilates, d.pad_l, d.pad_r),
        du::engine());
    const dnnl::convolution_backward_data::primitive_desc data_pd(
        dnnl::convolution_backward_data::desc(direct, any(d.x), any(d.w), any(d.y), d.strides, d.dilates, d.pad_l,
                                              d.pad_r),
        du::engine(), hint);
    const dnnl::convolution_backward_weights::primitive_desc weights_pd(
        dnnl::convolution_backward_weights::desc(direct, any(d.x), any(d.w), any(d.y), d.strides, d.dilates, d.pad_l,
                                                 d.pad_r),
        du::engine(), hint);
    data = dnnl::convolution_backward_data(data_pd);
    weights = dnnl::convolution_backward_weights(weights_pd);
    data_dy = Layout(d.y, data_pd.diff_dst_desc());
    data_w = Layout(d.w, data_pd.weights_desc());
    data_dx = Layout(d.x, data_pd.diff_src_desc());
    weights_dy = Layout(d.y, weights_pd.diff_dst_desc());
    weights_x = Layout(d.x, weights_pd.src_desc());
    weights_dw = Layout(d.w, weights_pd.diff_weights_desc());
    same_dy = data_pd.diff_dst_desc() == weights_pd.diff_dst_desc();
  }

  std::mutex mu;  // the layouts' buffers are this plan's: one backward at a time
  dnnl::primitive data, weights;
  Layout data_dy, data_w, data_dx, weights_dy, weights_x, weights_dw;
  bool same_dy = false;  // both primitives take dL/dY in the same layout
};

// The plans by geometry and thread count (a primitive keeps the thread count it was made with).
// Every node of the same geometry shares one; a model has a few dozen. The cache starts over when
// it reaches kMaxPlans (a long-lived process training many models), and a plan in use outlives that.
std::shared_ptr<ConvBackwardPlan> plan_for(const ConvDims& d, int threads) {
  using Key =
      std::tuple<memory::dims, memory::dims, memory::dims, memory::dims, memory::dims, memory::dims, memory::dims, int>;
  constexpr size_t kMaxPlans = 256;
  static std::mutex mu;
  // The engine before the plans: statics are destroyed in reverse, so the primitives go first.
  [[maybe_unused]] static const dnnl::engine& engine = du::engine();
  static std::map<Key, std::shared_ptr<ConvBackwardPlan>> plans;
  std::lock_guard<std::mutex> lock(mu);
  const Key key{d.x, d.w, d.y, d.strides, d.dilates, d.pad_l, d.pad_r, threads};
  if (auto it = plans.find(key); it != plans.end()) return it->second;
  if (plans.size() >= kMaxPlans) plans.clear();
  return plans[key] = std::make_shared<ConvBackwardPlan>(d);
}

void conv_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0, 1, 2});
  const Node& node = ctx.node;
  const Tensor& x = input(ctx, 0);
  const Tensor& w = input(ctx, 1);
  const Tensor dy = grad_output(ctx, 0);
  const ConvDims d = conv_dims(node, x.shape(), w.shape(), dy.shape());
  if (wants(ctx, 2)) ctx.grad_inputs[2] = channel_sum(dy);
  if (wants(ctx, 0)) ctx.grad_inputs[0] = Tensor::uninitialized(DType::kFloat32, x.shape());
  if (wants(ctx, 1)) ctx.grad_inputs[1] = Tensor::uninitialized(DType::kFloat32, w.shape());
  if (x.numel() == 0 || w.numel() == 0 || dy.numel() == 0 || !(wants(ctx, 0) || wants(ctx, 1))) {
    for (size_t i : {size_t{0}, size_t{1}})  // nothing reaches them: zeros
      if (wants(ctx, i)) ctx.grad_inputs[i] = Tensor(DType::kFloat32, ctx.grad_inputs[i].shape());
    return;
  }

  // Multiply-adds, about: every weight meets every output position of every image.
  const int threads = du::threads_for(dy.numel() / dy.dim(1) * w.numel(), ctx.pool.size());
  du::OpenMpThreads omp(ctx.pool, threads);
  try {
    const std::shared_ptr<ConvBackwardPlan> shared = plan_for(d, threads);
    ConvBackwardPlan& plan = *shared;
    std::lock_guard<std::mutex> lock(plan.mu);
    memory dy_blocked;  // dL/dY in the backward-data primitive's layout, once it is made
    if (wants(ctx, 0)) {
      Tensor& dx = ctx.grad_inputs[0];
      dy_blocked = plan.data_dy.in(dy);
      plan.data.execute(du::stream(), {{DNNL_ARG_DIFF_DST, dy_blocked},
                                       {DNNL_ARG_WEIGHTS, plan.data_w.in(w)},
                                       {DNNL_ARG_DIFF_SRC, plan.data_dx.out(dx)}});
      plan.data_dx.finish(dx);
    }
    if (wants(ctx, 1)) {
      Tensor& dw = ctx.grad_inputs[1];
      // Both primitives usually want dL/dY alike: one reorder then serves both.
      if (!dy_blocked || !plan.same_dy) dy_blocked = plan.weights_dy.in(dy);
      plan.weights.execute(du::stream(), {{DNNL_ARG_DIFF_DST, dy_blocked},
                                          {DNNL_ARG_SRC, plan.weights_x.in(x)},
                                          {DNNL_ARG_DIFF_WEIGHTS, plan.weights_dw.out(dw)}});
      plan.weights_dw.finish(dw);
    }
    du::stream().wait();
  } catch (const dnnl::error& e) {
    fail(node.describe(), ": oneDNN cannot run this convolution's backward (", e.what(), ")");
  }
}

}  // namespace

void register_conv_backward(BackwardTable& t) { t["Conv"] = conv_backward; }

}  // namespace octet::train
