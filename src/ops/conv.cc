// Conv and ConvTranspose (ONNX opsets 11..21) as oneDNN convolution / deconvolution primitives,
// and com.octet ConvPostOps: y = act(Conv(x, w, b) + z), z an optional input 3 of y's shape (a
// residual, passes/fuse_conv_add.cc) added by a sum post-op over y pre-filled with z, act the
// eltwise post-ops of attribute activation (ops/conv_activation.h, passes/fuse_conv_activation.cc).
// The primitive picks its own weight layout (format_tag::any); constant weights are reordered into
// it once per input shape, activations are reordered to and from octet's plain NC... layout per call
// where the primitive wants another one. On AVX-512 oneDNN's brgconv wants NHWC: attribute
// channels_last = 1 (2-D Conv / ConvPostOps / ConvTranspose, set by passes/channels_last.cc) says x and y are
// [N, H, W, C] already, and a region of such convolutions runs without those per-call reorders.
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "ir/octet_ops.h"
#include "ops/conv_activation.h"
#include "ops/dnnl_util.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace octet {
namespace {

using dnnl::memory;
namespace du = dnnl_util;

// What one Conv/ConvTranspose call computes: dnnl's view of it plus the output shape.
struct Geometry {
  Shape out_shape;
  memory::dims strides, dilates, pad_l, pad_r;  // dilates are dnnl's: ONNX dilation - 1
  memory::desc wei_plain;                       // the ONNX weight tensor as dnnl's (g)oi... dims
};

// Row-major strides of the kernel's spatial dims, and their element count.
memory::dims kernel_strides(const Shape& w, int64_t* kernel_numel) {
  memory::dims st(w.size() - 2);
  int64_t k = 1;
  for (size_t i = w.size(); i-- > 2;) {
    st[i - 2] = k;
    k *= w[i];
  }
  *kernel_numel = k;
  return st;
}

class ConvKernelBase : public OpKernel {
 public:
  explicit ConvKernelBase(const KernelInit& init)
      : channels_last_(init.node.attr_int("channels_last", 0) != 0),
        residual_(init.node.domain == kOctetDomain && init.node.has_input(3)) {
    if (const Tensor* w = init.constant_input(1)) const_w_ = *w;
    if (init.node.domain != kOctetDomain) return;
    act_ = ConvActivation::of(init.node);
    OCTET_CHECK(act_.kind != ConvActivation::Kind::kNone || residual_, init.node.describe(),
                ": a ConvPostOps node needs an activation or a residual input");
    dnnl::post_ops ops;
    if (residual_) ops.append_sum(1.0f);  // before the activation: act(conv + z)
    act_.append_to(ops);
    attr_.set_post_ops(ops);
  }

  void run(KernelContext& ctx) override {
    const Node& node = ctx.node;
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    OCTET_CHECK(x.dtype() == DType::kFloat32 && w.dtype() == DType::kFloat32 && (!b || b->dtype() == DType::kFloat32),
                node.describe(), ": only float32 is supported, got ", dtype_name(x.dtype()));
    OCTET_CHECK(x.rank() >= 3 && x.rank() <= 5, node.describe(), ": input must be 3-D to 5-D, got ",
                shape_str(x.shape()));
    OCTET_CHECK(w.rank() == x.rank(), node.describe(), ": weight ", shape_str(w.shape()),
                " does not match the rank of input ", shape_str(x.shape()));
    const int64_t group = node.attr_int("group", 1);
    OCTET_CHECK(group >= 1, node.describe(), ": group must be positive");
    OCTET_CHECK(!channels_last_ || x.rank() == 4, node.describe(),
                ": channels_last needs a 2-D convolution, got input ", shape_str(x.shape()));
    // The logical NCHW shape: what ONNX's attributes and the primitive's dims describe.
    const Shape xs = channels_last_ ? Shape{x.dim(0), x.dim(3), x.dim(1), x.dim(2)} : x.shape();

    std::lock_guard<std::mutex> lock(mu_);
    Key key{xs, w.shape(), b != nullptr};
    auto it = plans_.find(key);
    // Multiply-adds, about: every weight meets each output pixel of a Conv (each input pixel of a
    // ConvTranspose), the fewer of the two. Not input pixels for a Conv: Silero's STFT (stride
    // 128 over 640 samples) counted 128x too many, got an OpenMP team for 0.3 M multiply-adds,
    // and after a pause every inference took 4x longer (bench/RESULTS.md, silero_vad).
    const Shape out = it != plans_.end() ? it->second.geo.out_shape : geometry(node, xs, w.shape(), group).out_shape;
    const int64_t pixels =
        std::min(shape_numel(Shape(xs.begin() + 2, xs.end())), shape_numel(Shape(out.begin() + 2, out.end())));
    // Before any plan is made: oneDNN fixes a primitive's thread count when it creates it.
    du::OpenMpThreads omp(ctx.pool, du::threads_for(xs[0] * pixels * w.numel(), ctx.pool.size()));
    if (it == plans_.end()) it = plans_.emplace(key, make_plan(node, key, group)).first;
    Plan& plan = it->second;

    const Shape& out_shape = plan.geo.out_shape;
    if (b) {
      OCTET_CHECK(b->rank() == 1 && b->dim(0) == out_shape[1], node.describe(), ": bias ", shape_str(b->shape()),
                  " must have one value per output channel (", out_shape[1], ")");
    }
    const Shape y_shape = channels_last_ ? Shape{out_shape[0], out_shape[2], out_shape[3], out_shape[1]} : out_shape;
    // Written in full by the primitive or the residual copy; zeros only for a bias-only output.
    Tensor y =
        plan.runnable || residual_ ? Tensor::uninitialized(DType::kFloat32, y_shape) : Tensor(DType::kFloat32, y_shape);
    if (residual_) {  // the sum post-op adds the convolution to what y holds
      const Tensor& z = ctx.input(3);
      OCTET_CHECK(z.dtype() == DType::kFloat32 && z.shape() == y_shape, node.describe(), ": residual input '",
                  node.inputs[3], "' must be float32 ", shape_str(y_shape), ", got ", dtype_name(z.dtype()), " ",
                  shape_str(z.shape()));
      std::copy_n(z.data<float>(), z.numel(), y.data<float>());
    }
    if (plan.runnable) {
      plan.prim.execute(x.data<float>(), w.data<float>(), b ? b->data<float>() : nullptr,
                        du::plain_desc({out_shape[1]}), y.data<float>());
    } else if ((b || residual_) && y.numel() > 0) {  // no input channels: bias + residual are left
      const int64_t c_out = out_shape[1], inner = channels_last_ ? 1 : y.numel() / (out_shape[0] * c_out);
      float* py = y.data<float>();
      for (int64_t i = 0; i < y.numel(); ++i)
        py[i] = act_.apply(py[i] + (b ? b->data<float>()[(i / inner) % c_out] : 0.0f));
    }
    ctx.outputs[0] = std::move(y);
  }

 protected:
  // Checks the shapes and computes what the primitive needs (octet::Error naming the node).
  virtual Geometry geometry(const Node& node, const Shape& x, const Shape& w, int64_t group) const = 0;
  virtual dnnl::primitive_desc describe(const Geometry& g, const memory::desc& src, const memory::desc& wei,
                                        const memory::desc& bias, const memory::desc& dst,
                                        const dnnl::primitive_attr& attr) const = 0;

 private:
  struct Plan {
    Geometry geo;
    bool runnable = false;  // false when the input or output is empty
    du::WeightedPrimitive prim;
  };

  using Key = std::tuple<Shape, Shape, bool>;  // input shape, weight shape, has bias

  Plan make_plan(const Node& node, const Key& key, int64_t group) {
    const auto& [x, w, has_bias] = key;
    Plan plan;
    plan.geo = geometry(node, x, w, group);
    plan.runnable = shape_numel(plan.geo.out_shape) > 0 && shape_numel(x) > 0;
    if (!plan.runnable) return plan;
    const memory::dims x_dims = du::to_dims(x), y_dims = du::to_dims(plan.geo.out_shape);
    const auto f32 = memory::data_type::f32;
    const auto any = memory::format_tag::any, nhwc = memory::format_tag::nhwc;
    // octet's layout of x and y; without channels_last the primitive may pick another and get reorders.
    const memory::desc x_md = channels_last_ ? memory::desc(x_dims, f32, nhwc) : du::plain_desc(x_dims);
    const memory::desc y_md = channels_last_ ? memory::desc(y_dims, f32, nhwc) : du::plain_desc(y_dims);
    try {
      dnnl::primitive_desc pd = describe(plan.geo, channels_last_ ? x_md : memory::desc(x_dims, f32, any),
                                         memory::desc(plan.geo.wei_plain.dims(), f32, any),
                                         has_bias ? du::plain_desc({plan.geo.out_shape[1]}) : memory::desc(),
                                         // the sum post-op reads y: the primitive must write octet's buffer itself
                                         channels_last_ || residual_ ? y_md : memory::desc(y_dims, f32, any), attr_);
      plan.prim = du::WeightedPrimitive(pd, x_md, plan.geo.wei_plain, y_md);
    } catch (const dnnl::error& e) {
      fail(node.describe(), ": oneDNN cannot run this configuration (", e.what(), ")");
    }
    if (const_w_.defined() && const_w_.shape() == w) plan.prim.pack_weights(const_w_.data<float>());
    return plan;
  }

  const bool channels_last_;  // x and y are [N, H, W, C] (2-D Conv / ConvPostOps / ConvTranspose only)
  const bool residual_;       // ConvPostOps with input 3: y = act(conv + z)
  Tensor const_w_;
  dnnl::primitive_attr attr_;  // ConvPostOps' activation post-op; empty for Conv
  ConvActivation act_;
  std::mutex mu_;
  std::map<Key, Plan> plans_;
};

// ONNX Conv: y[n, m, o...] = b[m] + sum over the group's channels c and kernel taps k of
// x[n, c, o*stride + k*dilation - pad_begin] * w[m, c, k].
class ConvKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;

 protected:
  Geometry geometry(const Node& node, const Shape& x, const Shape& w, int64_t group) const override {
    const int64_t c = x[1], m = w[0];
    OCTET_CHECK(c == w[1] * group && m % group == 0, node.describe(), ": weight ", shape_str(w), " with group ", group,
                " does not fit input ", shape_str(x));
    const Window win = make_window(node, Shape(x.begin() + 2, x.end()), Shape(w.begin() + 2, w.end()), false);
    Geometry g;
    g.out_shape = {x[0], m};
    for (size_t d = 0; d < win.rank(); ++d) {
      g.out_shape.push_back(win.out[d]);
      g.strides.push_back(win.strides[d]);
      g.dilates.push_back(win.dilations[d] - 1);
      g.pad_l.push_back(win.pad_begin[d]);
      g.pad_r.push_back(win.pad_end[d]);
    }
    memory::dims dims = du::to_dims(w);
    if (group > 1) {
      dims[0] = m / group;
      dims.insert(dims.begin(), group);
    }
    g.wei_plain = du::plain_desc(dims);
    return g;
  }

  dnnl::primitive_desc describe(const Geometry& g, const memory::desc& src, const memory::desc& wei,
                                const memory::desc& bias, const memory::desc& dst,
                                const dnnl::primitive_attr& attr) const override {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, wei,
                                      bias, dst, g.strides, g.dilates, g.pad_l, g.pad_r);
    return dnnl::convolution_forward::primitive_desc(d, attr, du::engine());
  }
};

// ONNX ConvTranspose: every x[n, c, i...] scatters x * w[c, m, k...] to
// y[n, m, i*stride + k*dilation - pad_begin]; the output size comes from pads and output_padding,
// or from output_shape / auto_pad with the padding derived as the ONNX spec says.
class ConvTransposeKernel final : public ConvKernelBase {
 public:
  using ConvKernelBase::ConvKernelBase;

 protected:
  Geometry geometry(const Node& node, const Shape& x, const Shape& w, int64_t group) const override {
    const size_t rank = x.size() - 2;
    const int64_t c = x[1];
    OCTET_CHECK(w[0] == c && c % group == 0, node.describe(), ": weight ", shape_str(w), " with group ", group,
                " does not fit input ", shape_str(x));
    const int64_t m = w[1] * group;
    const Shape kernel(w.begin() + 2, w.end());
    check_kernel_shape(node, kernel);
    const std::vector<int64_t> strides = spatial_attr(node, "strides", rank, 1);
    const std::vector<int64_t> dilations = spatial_attr(node, "dilations", rank, 1);
    const std::vector<int64_t> out_pad = spatial_attr(node, "output_padding", rank, 0, 0);
    std::vector<int64_t> out_shape = node.attr_ints("output_shape");
    if (out_shape.size() == rank + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    OCTET_CHECK(out_shape.empty() || out_shape.size() == rank, node.describe(), ": attribute 'output_shape' needs ",
                rank, " values");
    const AutoPad pad = auto_pad(node);
    const bool same = pad == AutoPad::kSameUpper || pad == AutoPad::kSameLower;
    const std::vector<int64_t> pads = explicit_pads(node, rank);

    Geometry g;
    g.out_shape = {x[0], m};
    for (size_t d = 0; d < rank; ++d) {
      const int64_t full = strides[d] * (x[d + 2] - 1) + out_pad[d] + (kernel[d] - 1) * dilations[d] + 1;
      int64_t pb = pads[d], pe = pads[d + rank];
      if (!out_shape.empty() || same) {
        // ONNX: total_padding = full - output_shape, split with the odd unit at the end for
        // SAME_UPPER and at the beginning otherwise.
        const int64_t target = out_shape.empty() ? x[d + 2] * strides[d] : out_shape[d];
        const int64_t total = full - target;
        pb = pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        pe = total - pb;
      } else if (pad == AutoPad::kValid) {
        pb = pe = 0;
      }
      OCTET_CHECK(pb >= 0 && pe >= 0, node.describe(), ": negative padding is not supported");
      const int64_t out = full - pb - pe;
      OCTET_CHECK(out >= 0, node.describe(), ": pads larger than the output in spatial dim ", d);
      g.out_shape.push_back(out);
      g.strides.push_back(strides[d]);
      g.dilates.push_back(dilations[d] - 1);
      g.pad_l.push_back(pb);
      // output_padding extends the end; dnnl takes it as less end padding and rejects a negative one.
      OCTET_CHECK(pe >= out_pad[d], node.describe(), ": output_padding larger than the end padding is not supported");
      g.pad_r.push_back(pe - out_pad[d]);
    }
    // The ONNX weight is [C, M/group, k...]: dnnl's (g)oi... view swaps the o and i strides.
    int64_t k_numel = 0;
    const memory::dims k_strides = kernel_strides(w, &k_numel);
    const int64_t og = w[1], ig = c / group;
    memory::dims dims = {og, ig}, st = {k_numel, og * k_numel};
    if (group > 1) {
      dims.insert(dims.begin(), group);
      st.insert(st.begin(), ig * og * k_numel);
    }
    dims.insert(dims.end(), kernel.begin(), kernel.end());
    st.insert(st.end(), k_strides.begin(), k_strides.end());
    g.wei_plain = du::strided_desc(dims, st);
    return g;
  }

  dnnl::primitive_desc describe(const Geometry& g, const memory::desc& src, const memory::desc& wei,
                                const memory::desc& bias, const memory::desc& dst,
                                const dnnl::primitive_attr& attr) const override {
    dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src,
                                        wei, bias, dst, g.strides, g.dilates, g.pad_l, g.pad_r);
    return dnnl::deconvolution_forward::primitive_desc(d, attr, du::engine());
  }
};

}  // namespace

void register_conv_ops(OpRegistry& r) {
  auto conv = [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<ConvKernel>(init); };
  r.add("Conv", conv);
  r.add(octet_op::kConvPostOps, conv, kOctetDomain);
  r.add("ConvTranspose", [](const KernelInit& init) -> std::unique_ptr<OpKernel> {
    return std::make_unique<ConvTransposeKernel>(init);
  });
}

}  // namespace octet
