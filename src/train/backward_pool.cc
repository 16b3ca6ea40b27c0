// Backward of the pools over [N, C, spatial...] inputs. The windows are the forward's
// (ops/pool_window.h), walked in the same order: MaxPool sends each output's gradient to the first
// maximum of its window in scan order (the one the forward took), AveragePool spreads it evenly
// over the window's taps, divided by the forward's divisor (count_include_pad: the window clipped
// to the padded input; else the in-bounds taps).
#include "ops/pool_window.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

// The offset into `plane` of the first maximum over `taps` (-1 when there are none).
int64_t first_max(const float* plane, const std::vector<int64_t>& taps) {
  int64_t arg = -1;
  for (int64_t t : taps)
    if (arg < 0 || plane[t] > plane[arg]) arg = t;
  return arg;
}

template <bool kMax>
void pool_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Node& node = ctx.node;
  OCTET_CHECK(node.attr_int("channels_last", 0) == 0, node.describe(), ": training needs a [N, C, d...] pool");
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const Planes p = planes_of(node, x);
  const Win3 w = window3(node, p);
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  Tensor dx(DType::kFloat32, x.shape());
  for (int64_t pl = 0; pl < p.planes; ++pl) {
    const float* xp = x.data<float>() + pl * p.size;
    const float* gp = dy.data<float>() + pl * w.out_size;
    float* dp = dx.data<float>() + pl * p.size;
    for_each_window(p, w, [&](int64_t o, const std::vector<int64_t>& taps, int64_t padded) {
      if constexpr (kMax) {
        if (const int64_t arg = first_max(xp, taps); arg >= 0) dp[arg] += gp[o];
      } else {
        const int64_t count = include_pad ? padded : static_cast<int64_t>(taps.size());
        if (count == 0) return;
        for (int64_t t : taps) dp[t] += gp[o] / static_cast<float>(count);
      }
    });
  }
  ctx.grad_inputs[0] = dx;
}

// Global pools: one window per (n, c) plane, all of it.
template <bool kMax>
void global_pool_backward(BackwardContext& ctx) {
  check_differentiable(ctx, {0});
  if (!wants(ctx, 0)) return;
  const Tensor& x = input(ctx, 0);
  const Tensor dy = grad_output(ctx, 0);
  const Planes p = planes_of(ctx.node, x);
  std::vector<int64_t> all(p.size);
  for (int64_t i = 0; i < p.size; ++i) all[i] = i;
  Tensor dx(DType::kFloat32, x.shape());
  for (int64_t pl = 0; pl < p.planes; ++pl) {
    const float g = dy.data<float>()[pl];
    float* dp = dx.data<float>() + pl * p.size;
    if constexpr (kMax) {
      if (const int64_t arg = first_max(x.data<float>() + pl * p.size, all); arg >= 0) dp[arg] = g;
    } else {
      for (int64_t i = 0; i < p.size; ++i) dp[i] = g / static_cast<float>(p.size);
    }
  }
  ctx.grad_inputs[0] = dx;
}

}  // namespace

void register_pool_backward(BackwardTable& t) {
  t["MaxPool"] = pool_backward<true>;
  t["AveragePool"] = pool_backward<false>;
  t["GlobalMaxPool"] = global_pool_backward<true>;
  t["GlobalAveragePool"] = global_pool_backward<false>;
}

}  // namespace octet::train
