#include "kernels/qpool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/qmath.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

void check(const Pool2dShape& s) {
  OCTET_CHECK(s.batch >= 1 && s.in_h >= 1 && s.in_w >= 1 && s.channels >= 1 && s.kernel_h >= 1 && s.kernel_w >= 1 &&
                  s.stride_h >= 1 && s.stride_w >= 1 && s.pad_top >= 0 && s.pad_left >= 0 && s.pad_bottom >= 0 &&
                  s.pad_right >= 0,
              "qpool: bad shape (sizes, kernel and strides must be >= 1, pads >= 0)");
  OCTET_CHECK(s.in_h + s.pad_top + s.pad_bottom >= s.kernel_h && s.in_w + s.pad_left + s.pad_right >= s.kernel_w,
              "qpool: the kernel is larger than the padded input");
  OCTET_CHECK(
      s.pad_top < s.kernel_h && s.pad_bottom < s.kernel_h && s.pad_left < s.kernel_w && s.pad_right < s.kernel_w,
      "qpool: padding must be smaller than the kernel");
}

void check_scales(float x_scale, float y_scale) {
  OCTET_CHECK(std::isfinite(x_scale) && x_scale > 0 && std::isfinite(y_scale) && y_scale > 0,
              "qpool: scales must be finite and > 0, got ", x_scale, " and ", y_scale);
}

// Calls f(m, b, y0, y1, x0, x1) for every output pixel m of image b (window clipped to the
// input), an output row per task: no divisions per pixel (a 64-bit division costs more than
// a small pooling window).
template <class F>
void for_each_window(const Pool2dShape& s, ThreadPool& pool, F&& f) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  pool.parallel_for(s.batch * oh, 1, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t row = row_begin; row < row_end; ++row) {
      const int64_t b = row / oh, oy = row % oh;
      const int64_t y0 = oy * s.stride_h - s.pad_top, y1 = std::min(y0 + s.kernel_h, s.in_h + s.pad_bottom);
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t x0 = ox * s.stride_w - s.pad_left, x1 = std::min(x0 + s.kernel_w, s.in_w + s.pad_right);
        f(row * ow + ox, b, std::max<int64_t>(y0, 0), std::min(y1, s.in_h), std::max<int64_t>(x0, 0),
          std::min(x1, s.in_w));
      }
    }
  });
}

// out[c] = max(out[c], px[c]): restrict, so the byte loop vectorizes without alias checks.
void max_into(uint8_t* __restrict out, const uint8_t* __restrict px, int64_t n) {
  for (int64_t c = 0; c < n; ++c) out[c] = out[c] > px[c] ? out[c] : px[c];
}

}  // namespace

void qmaxpool2d_u8_nhwc(const uint8_t* x, const Pool2dShape& s, uint8_t* y, ThreadPool& pool) {
  check(s);
  const int64_t C = s.channels;
  for_each_window(s, pool, [&](int64_t m, int64_t b, int64_t y0, int64_t y1, int64_t x0, int64_t x1) {
    uint8_t* out = y + m * C;
    std::fill(out, out + C, 0);
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) {
        max_into(out, x + ((b * s.in_h + iy) * s.in_w + ix) * C, C);
      }
  });
}

void qglobal_avgpool_u8_nhwc(const uint8_t* x, int64_t batch, int64_t pixels, int64_t channels, float x_scale,
                             uint8_t x_zp, float y_scale, uint8_t y_zp, uint8_t* y, ThreadPool& pool) {
  OCTET_CHECK(batch >= 1 && pixels >= 1 && channels >= 1, "qpool: bad shape (batch ", batch, ", pixels ", pixels,
              ", channels ", channels, "; each must be >= 1)");
  check_scales(x_scale, y_scale);
  OCTET_CHECK(pixels <= std::numeric_limits<int32_t>::max() / 255, "qpool: ", pixels,
              " pixels would overflow the int32 sums");
  const float mult = x_scale / (y_scale * float(pixels));
  pool.parallel_for(batch, 1, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> sum(channels);
    for (int64_t b = begin; b < end; ++b) {
      std::fill(sum.begin(), sum.end(), 0);
      for (int64_t p = 0; p < pixels; ++p) {
        const uint8_t* px = x + (b * pixels + p) * channels;
        for (int64_t c = 0; c < channels; ++c) sum[c] += px[c] - x_zp;
      }
      for (int64_t c = 0; c < channels; ++c)
        y[b * channels + c] = uint8_t(round_clamp(float(sum[c]) * mult, y_zp, 0, 255));
    }
  });
}

}  // namespace octet::kernels
