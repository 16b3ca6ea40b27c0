// Pooling: MaxPool (with the optional Indices output), AveragePool, GlobalAveragePool,
// GlobalMaxPool over 1-D, 2-D and 3-D inputs [N, C, spatial...] (ONNX opsets 1-22), and the INT8
// com.octet Int8AveragePool. Every (n, c) plane is independent, so planes are split over the
// thread pool; channels-last inputs (2-D) by image.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/octet_ops.h"
#include "kernels/qmath.h"
#include "ops/pool_window.h"
#include "ops/registry.h"

namespace octet {

namespace {

// ONNX MaxPool Indices: the flat index into X, row-major (storage_order 0) or with the two
// innermost spatial dims in column-major order (storage_order 1).
int64_t storage_index(const Planes& p, int64_t plane, int64_t offset, bool column_major) {
  const size_t r = p.in.size();
  if (!column_major || r < 2) return plane * p.size + offset;
  const int64_t rows = p.in[r - 2], cols = p.in[r - 1];
  const int64_t h = offset / cols % rows, wd = offset % cols, outer = offset / (rows * cols);
  return plane * p.size + (outer * cols + wd) * rows + h;
}

template <class T>
void max_pool_typed(KernelContext& ctx, const Tensor& x, const Planes& p, const Win3& w) {
  const bool want_indices = ctx.outputs.size() > 1 && !ctx.node.outputs[1].empty();
  const bool column_major = ctx.node.attr_int("storage_order", 0) != 0;
  Tensor y(x.dtype(), pooled_shape(x, w));
  Tensor idx = want_indices ? Tensor(DType::kInt64, y.shape()) : Tensor();
  const T* xs = x.data<T>();
  T* ys = y.data<T>();
  int64_t* is = want_indices ? idx.data<int64_t>() : nullptr;
  ctx.pool.parallel_for(p.planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; ++pl) {
      const T* xp = xs + pl * p.size;
      for_each_window(p, w, [&](int64_t o, const std::vector<int64_t>& taps, int64_t) {
        T best = std::numeric_limits<T>::lowest();
        int64_t arg = taps.empty() ? 0 : taps[0];
        if constexpr (std::is_floating_point_v<T>) best = -std::numeric_limits<T>::infinity();
        for (int64_t t : taps)
          if (xp[t] > best || (std::is_floating_point_v<T> && std::isnan(static_cast<double>(xp[t])) && t == arg)) {
            best = xp[t];
            arg = t;
          }
        ys[pl * w.out_size + o] = best;
        if (is) is[pl * w.out_size + o] = storage_index(p, pl, arg, column_major);
      });
    }
  });
  ctx.outputs[0] = y;
  if (want_indices) ctx.outputs[1] = idx;
}

// The common case (2-D, no dilation, no Indices output): loops over each clipped window, no tap
// lists. Same answer as max_pool_typed: the first tap seeds the max (a NaN there sticks, a NaN
// later never wins) and an empty window gives -inf.
template <class T>
bool max_pool_2d_direct(KernelContext& ctx, const Tensor& x, const Planes& p, const Win3& w) {
  const bool want_indices = ctx.outputs.size() > 1 && !ctx.node.outputs[1].empty();
  if (p.in.size() != 2 || w.dil[0] != 1 || w.dil[1] != 1 || want_indices) return false;
  Tensor y(x.dtype(), pooled_shape(x, w));
  const int64_t H = p.d[0], W = p.d[1], OH = w.out[0], OW = w.out[1];
  const T* xs = x.data<T>();
  T* ys = y.data<T>();
  ctx.pool.parallel_for(p.planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; ++pl) {
      const T* xp = xs + pl * p.size;
      T* yp = ys + pl * w.out_size;
      for (int64_t oy = 0; oy < OH; ++oy) {
        const int64_t y0 = std::max<int64_t>(oy * w.s[0] - w.pb[0], 0),
                      y1 = std::min(oy * w.s[0] - w.pb[0] + w.k[0], H);
        for (int64_t ox = 0; ox < OW; ++ox) {
          const int64_t x0 = std::max<int64_t>(ox * w.s[1] - w.pb[1], 0),
                        x1 = std::min(ox * w.s[1] - w.pb[1] + w.k[1], W);
          if (y0 >= y1 || x0 >= x1) {
            yp[oy * OW + ox] = -std::numeric_limits<T>::infinity();
            continue;
          }
          T best = xp[y0 * W + x0];
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) best = xp[iy * W + ix] > best ? xp[iy * W + ix] : best;
          yp[oy * OW + ox] = best;
        }
      }
    }
  });
  ctx.outputs[0] = y;
  return true;
}

// Attribute channels_last (set by passes/channels_last.cc inside an NHWC region; never with the
// Indices output): x is [N, H, W, C] and so is y. Each output pixel takes the element-wise max of
// its window's pixels, C contiguous values at a time: the first in-bounds tap seeds it (a NaN
// there sticks, a NaN later never wins, as in the NCHW paths); a window all in the padding gives
// the lowest value (-inf for floats).
template <class T>
void max_pool_nhwc(KernelContext& ctx, const Tensor& x) {
  const Node& node = ctx.node;
  OCTET_CHECK(x.rank() == 4, node.describe(), ": a channels-last input must be [N, H, W, C], got ",
              shape_str(x.shape()));
  OCTET_CHECK(node.has_attr("kernel_shape"), node.describe(), ": missing attribute 'kernel_shape'");
  const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3);
  const Window w = make_window(node, {H, W}, node.attr_ints("kernel_shape"), node.attr_int("ceil_mode", 0) != 0);
  const int64_t OH = w.out[0], OW = w.out[1];
  Tensor y(x.dtype(), {N, OH, OW, C});
  const T* xs = x.data<T>();
  T* ys = y.data<T>();
  const T lowest = std::is_floating_point_v<T> ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  ctx.pool.parallel_for(N * OH, 1, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t row = row_begin; row < row_end; ++row) {
      const int64_t b = row / OH, oy = row % OH;
      for (int64_t ox = 0; ox < OW; ++ox) {
        T* __restrict out = ys + (row * OW + ox) * C;
        bool seeded = false;
        for (int64_t ky = 0; ky < w.kernel[0]; ++ky) {
          const int64_t iy = oy * w.strides[0] - w.pad_begin[0] + ky * w.dilations[0];
          if (iy < 0 || iy >= H) continue;
          for (int64_t kx = 0; kx < w.kernel[1]; ++kx) {
            const int64_t ix = ox * w.strides[1] - w.pad_begin[1] + kx * w.dilations[1];
            if (ix < 0 || ix >= W) continue;
            const T* __restrict in = xs + ((b * H + iy) * W + ix) * C;
            if (!seeded) std::copy(in, in + C, out);
            else
              for (int64_t c = 0; c < C; ++c) out[c] = in[c] > out[c] ? in[c] : out[c];
            seeded = true;
          }
        }
        if (!seeded) std::fill(out, out + C, lowest);
      }
    }
  });
  ctx.outputs[0] = y;
}

void max_pool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (ctx.node.attr_int("channels_last", 0) != 0) {
    switch (x.dtype()) {
      case DType::kFloat32: return max_pool_nhwc<float>(ctx, x);
      case DType::kFloat64: return max_pool_nhwc<double>(ctx, x);
      case DType::kUInt8: return max_pool_nhwc<uint8_t>(ctx, x);
      case DType::kInt8: return max_pool_nhwc<int8_t>(ctx, x);
      default: fail(ctx.node.describe(), ": unsupported dtype ", dtype_name(x.dtype()));
    }
  }
  Planes p = planes_of(ctx.node, x);
  Win3 w = window3(ctx.node, p);
  if (x.dtype() == DType::kFloat32 && max_pool_2d_direct<float>(ctx, x, p, w)) return;
  switch (x.dtype()) {
    case DType::kFloat32: return max_pool_typed<float>(ctx, x, p, w);
    case DType::kFloat64: return max_pool_typed<double>(ctx, x, p, w);
    case DType::kUInt8: return max_pool_typed<uint8_t>(ctx, x, p, w);
    case DType::kInt8: return max_pool_typed<int8_t>(ctx, x, p, w);
    default: fail(ctx.node.describe(), ": unsupported dtype ", dtype_name(x.dtype()));
  }
}

// AveragePool's sums and divisors, for float32 and for quantization codes, in NCHW or (attribute
// channels_last, 2-D: passes/channels_last.cc) NHWC. Every window sums its in-bounds taps in the
// same order in both layouts; `finish(sum, count)` makes the output. Codes are summed as exact
// int32 differences from the zero point, so a padded position (a real zero) adds nothing.
template <class In, class Acc, class Out, class Finish>
void average_pool_sums(KernelContext& ctx, const Tensor& x, Tensor& y, Acc zero_point, Finish finish) {
  const Node& node = ctx.node;
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  const bool nhwc = node.attr_int("channels_last", 0) != 0;
  OCTET_CHECK(!nhwc || x.rank() == 4, node.describe(), ": a channels-last input must be [N, H, W, C], got ",
              shape_str(x.shape()));
  // The pools' geometry on the NCHW view: NHWC's channels go last, the images stay first.
  const Tensor view = nhwc ? x.reshaped({x.dim(0), x.dim(3), x.dim(1), x.dim(2)}) : x;
  Planes p = planes_of(ctx.node, view);
  Win3 w = window3(ctx.node, p);
  Shape ys = pooled_shape(view, w);
  if (nhwc) ys = {ys[0], ys[2], ys[3], ys[1]};
  y = Tensor::uninitialized(dtype_of<Out>(), ys);
  const In* xs = x.data<In>();
  Out* out = y.data<Out>();
  auto divisor = [&](const std::vector<int64_t>& taps, int64_t padded) {
    return include_pad ? padded : static_cast<int64_t>(taps.size());
  };
  if (!nhwc) {
    ctx.pool.parallel_for(p.planes, 1, [&](int64_t b, int64_t e) {
      for (int64_t pl = b; pl < e; ++pl) {
        const In* xp = xs + pl * p.size;
        for_each_window(p, w, [&](int64_t o, const std::vector<int64_t>& taps, int64_t padded) {
          Acc sum = 0;
          for (int64_t t : taps) sum += static_cast<Acc>(xp[t]) - zero_point;
          out[pl * w.out_size + o] = finish(sum, divisor(taps, padded));
        });
      }
    });
    return;
  }
  const int64_t images = x.dim(0), channels = x.dim(3);
  ctx.pool.parallel_for(images, 1, [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(channels);
    for (int64_t n = b; n < e; ++n)
      for_each_window(p, w, [&](int64_t o, const std::vector<int64_t>& taps, int64_t padded) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t t : taps) {
          const In* px = xs + (n * p.size + t) * channels;
          for (int64_t c = 0; c < channels; ++c) acc[c] += static_cast<Acc>(px[c]) - zero_point;
        }
        Out* py = out + (n * w.out_size + o) * channels;
        const int64_t count = divisor(taps, padded);
        for (int64_t c = 0; c < channels; ++c) py[c] = finish(acc[c], count);
      });
  });
}

void average_pool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.dtype() == DType::kFloat32, ctx.node.describe(), ": input must be float32, got ",
              dtype_name(x.dtype()));
  Tensor y;
  average_pool_sums<float, float, float>(
      ctx, x, y, 0.0f, [](float sum, int64_t n) { return n > 0 ? sum / static_cast<float>(n) : 0.f; });
  ctx.outputs[0] = y;
}

// com.octet Int8AveragePool (passes/lower_static.cc): AveragePool on uint8 codes between a
// DequantizeLinear (x_scale, x_zero_point) and a QuantizeLinear (y_scale, y_zero_point), the window
// sums exact: y = saturate(round(sum(x - x_zp) * x_scale / (count * y_scale)) + y_zp).
void int8_average_pool(KernelContext& ctx) {
  const Node& n = ctx.node;
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.dtype() == DType::kUInt8, n.describe(), ": input must be uint8, got ", dtype_name(x.dtype()));
  const float x_scale = n.attr_float("x_scale", 0), y_scale = n.attr_float("y_scale", 0);
  const int64_t x_zp = n.attr_int("x_zero_point", 0), y_zp = n.attr_int("y_zero_point", 0);
  OCTET_CHECK(std::isfinite(x_scale) && x_scale > 0 && std::isfinite(y_scale) && y_scale > 0, n.describe(),
              ": scales must be finite and positive");
  OCTET_CHECK(x_zp >= 0 && x_zp <= 255 && y_zp >= 0 && y_zp <= 255, n.describe(), ": zero points must be uint8 codes");
  Tensor y;
  average_pool_sums<uint8_t, int32_t, uint8_t>(ctx, x, y, static_cast<int32_t>(x_zp), [&](int32_t sum, int64_t count) {
    const float v = count > 0 ? static_cast<float>(sum) * (x_scale / (static_cast<float>(count) * y_scale)) : 0.f;
    return static_cast<uint8_t>(round_clamp(v, static_cast<int32_t>(y_zp), 0, 255));
  });
  ctx.outputs[0] = y;
}

template <bool kMax>
void global_pool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.dtype() == DType::kFloat32, ctx.node.describe(), ": input must be float32, got ",
              dtype_name(x.dtype()));
  OCTET_CHECK(x.rank() >= 2, ctx.node.describe(), ": input must be [N, C, ...], got ", shape_str(x.shape()));
  // channels_last (passes/channels_last.cc): x is [N, H, W, C], y [N, 1, 1, C]. Each channel's
  // values are combined in the same order (pixel by pixel), C channels at a time.
  const bool nhwc = ctx.node.attr_int("channels_last", 0) != 0;
  OCTET_CHECK(!nhwc || x.rank() == 4, ctx.node.describe(), ": a channels-last input must be [N, H, W, C], got ",
              shape_str(x.shape()));
  const int64_t channels = x.dim(nhwc ? 3 : 1);
  const int64_t planes = x.dim(0) * channels, size = planes ? x.numel() / planes : 0;
  Shape s(x.rank(), 1);
  s[0] = x.dim(0);
  s[nhwc ? 3 : 1] = channels;
  Tensor y(DType::kFloat32, s);
  const float* xs = x.data<float>();
  float* ys = y.data<float>();
  auto finish = [&](float acc) { return kMax ? acc : (size ? acc / static_cast<float>(size) : 0.f); };
  if (nhwc) {
    // Blocks of 64 channels of one image, over all its pixels.
    const int64_t blocks = (channels + 63) / 64;
    ctx.pool.parallel_for(x.dim(0) * blocks, 1, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t n = task / blocks, c0 = (task % blocks) * 64, nc = std::min<int64_t>(64, channels - c0);
        float acc[64];
        std::fill(acc, acc + nc, kMax ? -std::numeric_limits<float>::infinity() : 0.f);
        for (int64_t p = 0; p < size; ++p) {
          const float* px = xs + (n * size + p) * channels + c0;
          for (int64_t c = 0; c < nc; ++c) {
            if constexpr (kMax) acc[c] = px[c] > acc[c] || std::isnan(px[c]) ? px[c] : acc[c];
            else acc[c] += px[c];
          }
        }
        for (int64_t c = 0; c < nc; ++c) ys[n * channels + c0 + c] = finish(acc[c]);
      }
    });
    ctx.outputs[0] = y;
    return;
  }
  ctx.pool.parallel_for(planes, grain_for_bytes(size * int64_t(sizeof(float))), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; ++pl) {
      const float* xp = xs + pl * size;
      if constexpr (kMax) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < size; ++i) m = xp[i] > m || std::isnan(xp[i]) ? xp[i] : m;
        ys[pl] = m;
      } else {
        float sum = 0;
        for (int64_t i = 0; i < size; ++i) sum += xp[i];
        ys[pl] = finish(sum);
      }
    }
  });
  ctx.outputs[0] = y;
}

}  // namespace

void register_pool_ops(OpRegistry& r) {
  r.add("MaxPool", max_pool);
  r.add("AveragePool", average_pool);
  r.add(octet_op::kInt8AveragePool, int8_average_pool, kOctetDomain);
  r.add("GlobalAveragePool", global_pool<false>);
  r.add("GlobalMaxPool", global_pool<true>);
}

}  // namespace octet
