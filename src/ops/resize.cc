// Resize (ONNX 11/13/18/19): modes nearest (any dtype, a pure index copy), linear and cubic
// (float32, and 8-bit codes interpolated in float and rounded; separable: one 1-D pass per resized
// axis). Per axis, every output coordinate is
// mapped to the input by coordinate_transformation_mode (the formulas of the ONNX spec, computed
// in double as the reference implementation does), then to neighbours and weights.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "ops/cast.h"
#include "ops/op_args.h"
#include "ops/registry.h"
#include "ops/strided_copy.h"

namespace octet {

namespace {

enum class Mode { kNearest, kLinear, kCubic };

struct Params {
  Mode mode = Mode::kNearest;
  std::string coord, nearest;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0;
};

// One axis: input and output lengths, the scale the coordinate formulas use, the roi.
struct Axis {
  int64_t in = 1, out = 1;
  double scale = 1, roi_start = 0, roi_end = 1;
};

// Output index -> input coordinate (ONNX spec, coordinate_transformation_mode).
double input_coord(const Node& node, const std::string& mode, const Axis& a, int64_t x) {
  double xr = static_cast<double>(x);
  if (mode == "half_pixel") return (xr + 0.5) / a.scale - 0.5;
  if (mode == "half_pixel_symmetric") {
    double adjustment = static_cast<double>(a.out) / (a.scale * static_cast<double>(a.in));
    double center = static_cast<double>(a.in) / 2;
    return center * (1 - adjustment) + (xr + 0.5) / a.scale - 0.5;
  }
  if (mode == "pytorch_half_pixel") return a.out > 1 ? (xr + 0.5) / a.scale - 0.5 : 0;
  if (mode == "align_corners")
    return a.out == 1 ? 0 : xr * static_cast<double>(a.in - 1) / static_cast<double>(a.out - 1);
  if (mode == "asymmetric") return xr / a.scale;
  if (mode == "tf_half_pixel_for_nearest") return (xr + 0.5) / a.scale;
  if (mode == "tf_crop_and_resize") {
    double span = static_cast<double>(a.in - 1);
    return a.out > 1 ? a.roi_start * span + xr * (a.roi_end - a.roi_start) * span / static_cast<double>(a.out - 1)
                     : 0.5 * (a.roi_start + a.roi_end) * span;
  }
  fail(node.describe(), ": unknown coordinate_transformation_mode '", mode, "'");
}

int64_t nearest_index(const Node& node, const std::string& mode, double x) {
  double f = std::floor(x);
  if (mode == "round_prefer_floor") return static_cast<int64_t>(x == f + 0.5 ? f : std::round(x));
  if (mode == "round_prefer_ceil") return static_cast<int64_t>(x == f + 0.5 ? f + 1 : std::round(x));
  if (mode == "floor") return static_cast<int64_t>(f);
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  fail(node.describe(), ": unknown nearest_mode '", mode, "'");
}

// True where tf_crop_and_resize maps output x outside the input: it gets extrapolation_value.
bool outside(const Params& p, const Axis& a, double x) {
  return p.coord == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(a.in - 1));
}

// Neighbours and weights of output position x along one axis (linear: 2, cubic: 4 taps).
// Indices past the edges read the edge (as the reference's edge padding does); exclude_outside
// drops them and renormalizes.
struct Taps {
  int n = 0;
  std::vector<int64_t> index;  // out * n
  std::vector<float> weight;   // out * n
  bool identity = true;        // every output reads its own input position with weight 1
};

Taps make_taps(const Node& node, const Params& p, const Axis& a) {
  Taps t;
  t.n = p.mode == Mode::kLinear ? 2 : 4;
  t.index.resize(a.out * t.n);
  t.weight.resize(a.out * t.n);
  t.identity = a.in == a.out;
  for (int64_t x = 0; x < a.out; ++x) {
    double c = input_coord(node, p.coord, a, x), f = std::floor(c), r = c - f;
    double w[4];
    int64_t first;
    if (p.mode == Mode::kLinear) {
      w[0] = 1 - r;
      w[1] = r;
      first = static_cast<int64_t>(f);
    } else {  // Keys cubic convolution with coefficient A (ONNX spec, cubic_coeff_a)
      double A = p.cubic_a, s = 1 - r;
      w[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
      w[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
      w[2] = ((A + 2) * s - (A + 3)) * s * s + 1;
      w[3] = ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A;
      first = static_cast<int64_t>(f) - 1;
    }
    double sum = 0;
    for (int k = 0; k < t.n; ++k) {
      int64_t i = first + k;
      if (p.exclude_outside && (i < 0 || i >= a.in)) w[k] = 0;
      sum += w[k];
    }
    for (int k = 0; k < t.n; ++k) {
      int64_t i = std::clamp<int64_t>(first + k, 0, a.in - 1);
      double wk = p.exclude_outside && sum != 0 ? w[k] / sum : w[k];
      t.index[x * t.n + k] = i;
      t.weight[x * t.n + k] = static_cast<float>(wk);
      if (wk != 0 && (i != x || wk != 1)) t.identity = false;
    }
    if (outside(p, a, c)) t.identity = false;
  }
  return t;
}

// One separable pass: resizes axis `k` of `x` (float32) with `taps`. Each output element is
// 0 + w0 * s0 + w1 * s1 ... in tap order (zero weights skipped), whichever loop computes it.
Tensor resize_axis(const Tensor& x, int k, int64_t out, const Taps& taps, ThreadPool& pool) {
  Shape shape = x.shape();
  int64_t in = shape[k];
  shape[k] = out;
  Tensor y(DType::kFloat32, shape);
  int64_t outer = 1, inner = 1;
  for (int j = 0; j < k; ++j) outer *= shape[j];
  for (int j = k + 1; j < x.rank(); ++j) inner *= shape[j];
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  if (inner == 1) {  // the innermost axis: each row gathers its taps
    pool.parallel_for(outer, grain_for_bytes(4 * out * taps.n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const float* s = src + o * in;
        float* d = dst + o * out;
        for (int64_t j = 0; j < out; ++j) {
          float acc = 0;
          for (int t = 0; t < taps.n; ++t) {
            const float w = taps.weight[j * taps.n + t];
            if (w != 0) acc += w * s[taps.index[j * taps.n + t]];
          }
          d[j] = acc;
        }
      }
    });
    return y;
  }
  pool.parallel_for(outer * out, grain_for_bytes(4 * inner * taps.n), [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      int64_t o = task / out, j = task % out;
      float* d = dst + task * inner;
      std::fill(d, d + inner, 0.f);
      for (int t = 0; t < taps.n; ++t) {
        float w = taps.weight[j * taps.n + t];
        if (w == 0) continue;
        const float* s = src + (o * in + taps.index[j * taps.n + t]) * inner;
        for (int64_t i = 0; i < inner; ++i) d[i] += w * s[i];
      }
    }
  });
  return y;
}

// tf_crop_and_resize: output positions whose coordinate on any axis falls outside the input are
// set to extrapolation_value exactly (the separable passes only approximate it).
void apply_extrapolation(Tensor& y, const std::vector<std::vector<bool>>& out_of_range, float value) {
  std::vector<int64_t> idx(y.rank(), 0);
  float* d = y.data<float>();
  for (int64_t i = 0; i < y.numel(); ++i) {
    bool out = false;
    for (int k = 0; k < y.rank() && !out; ++k) out = out_of_range[k][idx[k]];
    if (out) d[i] = value;
    for (int k = y.rank(); k-- > 0;) {
      if (++idx[k] < y.shape()[k]) break;
      idx[k] = 0;
    }
  }
}

// Interpolated codes back to T: rounded half to even and saturated.
template <class T>
Tensor round_to_codes(const Tensor& v, ThreadPool& pool) {
  Tensor out = Tensor::uninitialized(dtype_of<T>(), v.shape());
  const float* src = v.data<float>();
  T* dst = out.data<T>();
  constexpr float lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  pool.parallel_for(v.numel(), 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = static_cast<T>(std::clamp(std::nearbyint(src[i]), lo, hi));
  });
  return out;
}

Params parse_params(const Node& node) {
  Params p;
  std::string mode = node.attr_string("mode", "nearest");
  if (mode == "nearest") p.mode = Mode::kNearest;
  else if (mode == "linear") p.mode = Mode::kLinear;
  else if (mode == "cubic") p.mode = Mode::kCubic;
  else fail(node.describe(), ": unknown mode '", mode, "'");
  p.coord = node.attr_string("coordinate_transformation_mode", "half_pixel");
  p.nearest = node.attr_string("nearest_mode", "round_prefer_floor");
  p.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  p.extrapolation = node.attr_float("extrapolation_value", 0.f);
  OCTET_CHECK(node.attr_int("antialias", 0) == 0, node.describe(), ": antialias is not supported");
  return p;
}

// A float list input (scales, roi); nullopt when omitted or empty (opset 11 passes empty tensors).
std::optional<std::vector<double>> float_list(const KernelContext& ctx, size_t i) {
  const Tensor* t = ctx.optional_input(i);
  if (!t || t->numel() == 0) return std::nullopt;
  std::vector<double> v(t->numel());
  for (int64_t j = 0; j < t->numel(); ++j) v[j] = t->as_double(j);
  return v;
}

// Per-axis lengths, scales and roi from the scales/sizes/roi inputs, axes and
// keep_aspect_ratio_policy (opset 18).
// An output dim computed in double (scale x input size, truncated): an error naming the node when it
// is not a finite size (an infinite or 1e29 scale), so the cast to int64 is defined.
int64_t output_dim(const Node& node, double v, int64_t axis) {
  OCTET_CHECK(v >= 0 && v < 9.0e18, node.describe(), ": output size ", v, " for axis ", axis, " is not a tensor size");
  return static_cast<int64_t>(v);
}

std::vector<Axis> plan_axes(const KernelContext& ctx, const Tensor& x) {
  const Node& node = ctx.node;
  int64_t r = x.rank();
  std::vector<int64_t> axes(r);
  for (int64_t k = 0; k < r; ++k) axes[k] = k;
  if (node.opset >= 18 && node.has_attr("axes")) axes = normalize_axes(node, node.attr_ints("axes"), r);
  size_t n = axes.size();
  std::vector<Axis> plan(r);
  for (int64_t k = 0; k < r; ++k) plan[k].in = plan[k].out = x.shape()[k];

  auto scales = float_list(ctx, 2);
  auto sizes = int_list_input(ctx, 3);
  if (sizes && sizes->empty()) sizes.reset();
  OCTET_CHECK(scales.has_value() != sizes.has_value(), node.describe(),
              ": exactly one of scales and sizes must be given");
  if (scales) {
    OCTET_CHECK(scales->size() == n, node.describe(), ": scales has ", scales->size(), " values for ", n, " axes");
    for (size_t i = 0; i < n; ++i) {
      Axis& a = plan[axes[i]];
      OCTET_CHECK((*scales)[i] > 0, node.describe(), ": scale ", (*scales)[i], " must be positive");
      a.scale = (*scales)[i];
      a.out = output_dim(node, std::floor(a.scale * static_cast<double>(a.in)), axes[i]);
    }
  } else {
    OCTET_CHECK(sizes->size() == n, node.describe(), ": sizes has ", sizes->size(), " values for ", n, " axes");
    std::string policy = node.opset >= 18 ? node.attr_string("keep_aspect_ratio_policy", "stretch") : "stretch";
    OCTET_CHECK(policy == "stretch" || policy == "not_larger" || policy == "not_smaller", node.describe(),
                ": unknown keep_aspect_ratio_policy '", policy, "'");
    double common = policy == "not_larger" ? INFINITY : 0;
    for (size_t i = 0; i < n; ++i) {
      Axis& a = plan[axes[i]];
      OCTET_CHECK((*sizes)[i] >= 0 && a.in > 0, node.describe(), ": cannot resize axis ", axes[i], " of size ", a.in,
                  " to ", (*sizes)[i]);
      a.out = (*sizes)[i];
      a.scale = static_cast<double>(a.out) / static_cast<double>(a.in);
      common = policy == "not_larger" ? std::min(common, a.scale) : std::max(common, a.scale);
    }
    if (policy != "stretch") {
      for (int64_t k : axes) {
        plan[k].scale = common;
        plan[k].out = output_dim(node, common * static_cast<double>(plan[k].in) + 0.5, k);  // round half up
      }
    }
  }
  if (auto roi = float_list(ctx, 1)) {  // [starts..., ends...] over `axes` (all dims before 18)
    OCTET_CHECK(roi->size() == 2 * n || roi->size() == 2 * static_cast<size_t>(r), node.describe(), ": roi has ",
                roi->size(), " values, expected ", 2 * n);
    size_t m = roi->size() / 2;
    for (size_t i = 0; i < m; ++i) {
      Axis& a = plan[m == n ? axes[i] : i];
      a.roi_start = (*roi)[i];
      a.roi_end = (*roi)[i + m];
    }
  }
  for (int64_t k = 0; k < r; ++k)
    OCTET_CHECK(plan[k].in > 0 || plan[k].out == 0, node.describe(), ": cannot resize the empty axis ", k, " to ",
                plan[k].out);
  return plan;
}

void resize(KernelContext& ctx) {
  const Node& node = ctx.node;
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(node.opset >= 11, node.describe(), ": Resize before opset 11 is not supported");
  Params p = parse_params(node);
  std::vector<Axis> plan = plan_axes(ctx, x);
  int r = x.rank();
  Shape shape(r);
  for (int k = 0; k < r; ++k) shape[k] = plan[k].out;
  // The output first, from octet's allocator: a size no machine holds fails with its error here,
  // before the per-axis tables below (each as long as its output axis) are sized from a scale
  // factor; an empty output needs no tables.
  Tensor out = Tensor::uninitialized(x.dtype(), shape);
  if (out.numel() == 0) {
    ctx.outputs[0] = out;
    return;
  }
  std::vector<std::vector<bool>> out_of_range(r);
  bool any_outside = false;
  for (int k = 0; k < r; ++k) {
    out_of_range[k].resize(plan[k].out);
    for (int64_t j = 0; j < plan[k].out; ++j) {
      out_of_range[k][j] = outside(p, plan[k], input_coord(node, p.coord, plan[k], j));
      any_outside |= out_of_range[k][j];
    }
  }

  if (p.mode == Mode::kNearest) {
    std::vector<std::vector<int64_t>> maps(r);
    for (int k = 0; k < r; ++k) {
      const Axis& a = plan[k];
      maps[k].resize(a.out);
      for (int64_t j = 0; j < a.out; ++j) {
        int64_t i = nearest_index(node, p.nearest, input_coord(node, p.coord, a, j));
        maps[k][j] = out_of_range[k][j] ? -1 : std::clamp<int64_t>(i, 0, a.in - 1);
      }
    }
    Tensor fill = cast_tensor(Tensor::scalar<float>(p.extrapolation), x.dtype());
    indexed_copy(out.raw(), x.raw(), x.shape(), maps, fill.raw(), dtype_size(x.dtype()), ctx.pool);
    ctx.outputs[0] = out;
    return;
  }

  // uint8 / int8 (quantization codes, lower_static.cc): interpolated in float, rounded half to even
  // and saturated, as quantizing the float result with the input's own scale and zero point would.
  const bool codes = x.dtype() == DType::kUInt8 || x.dtype() == DType::kInt8;
  OCTET_CHECK(x.dtype() == DType::kFloat32 || codes, node.describe(), ": ", node.attr_string("mode", ""),
              " Resize supports float32, uint8 and int8 input, got ", dtype_name(x.dtype()));
  Tensor y = codes ? cast_tensor(x, DType::kFloat32) : x;
  // The innermost axis gathers element by element, the others blend whole rows: when the innermost
  // one grows, resize it first, while the tensor is smallest (LR-ASPP's 8x upsampling of its
  // logits: 22 -> 4 ms).
  std::vector<int> order(r);
  for (int k = 0; k < r; ++k) order[k] = k;
  if (r > 1 && plan[r - 1].out > plan[r - 1].in) std::rotate(order.begin(), order.end() - 1, order.end());
  for (int k : order) {
    Taps taps = make_taps(node, p, plan[k]);
    if (!taps.identity) y = resize_axis(y, k, plan[k].out, taps, ctx.pool);
  }
  if (y.raw() == x.raw()) y = x.clone();
  if (any_outside) apply_extrapolation(y, out_of_range, p.extrapolation);
  if (codes)
    y = x.dtype() == DType::kUInt8 ? round_to_codes<uint8_t>(y, ctx.pool) : round_to_codes<int8_t>(y, ctx.pool);
  ctx.outputs[0] = y;
}

}  // namespace

void register_resize_ops(OpRegistry& r) { r.add("Resize", resize); }

}  // namespace octet
