#include "kernels/qconv.h"

#include <algorithm>

#include "octet/error.h"

namespace octet::kernels {
namespace {

void check_shape(const Conv2dShape& s) {
  OCTET_CHECK(s.batch >= 1 && s.in_h >= 1 && s.in_w >= 1 && s.in_c >= 1 && s.out_c >= 1 && s.kernel_h >= 1 &&
                  s.kernel_w >= 1 && s.stride_h >= 1 && s.stride_w >= 1 && s.dilation_h >= 1 && s.dilation_w >= 1 &&
                  s.pad_top >= 0 && s.pad_left >= 0 && s.pad_bottom >= 0 && s.pad_right >= 0 && s.groups >= 1,
              "qconv: bad shape (sizes, kernel, strides and dilations must be >= 1, pads >= 0)");
  OCTET_CHECK(s.in_c % s.groups == 0 && s.out_c % s.groups == 0, "qconv: ", s.groups,
              " groups do not divide ", s.in_c, " input and ", s.out_c, " output channels");
  OCTET_CHECK(s.in_h + s.pad_top + s.pad_bottom > s.dilation_h * (s.kernel_h - 1) &&
                  s.in_w + s.pad_left + s.pad_right > s.dilation_w * (s.kernel_w - 1),
              "qconv: the (dilated) kernel is larger than the padded input");
}

// The input pixel under tap (ky, kx) of output pixel (b, oy, ox), or null in the padding.
const uint8_t* tap_pixel(const uint8_t* x, const Conv2dShape& s, int64_t b, int64_t oy, int64_t ox, int64_t ky,
                         int64_t kx) {
  int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
  int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
  if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) return nullptr;
  return x + ((b * s.in_h + iy) * s.in_w + ix) * s.in_c;
}

// Row m of the im2col matrix of group g: for each tap (ky, kx), the group's C / groups channels
// of the pixel under it, or x_zp (a real 0) in the padding. K order: (ky, kx, c).
void im2col_row(const uint8_t* x, uint8_t x_zp, const Conv2dShape& s, int64_t g, int64_t m, uint8_t* row) {
  const int64_t cg = s.in_c / s.groups, oh = s.out_h(), ow = s.out_w();
  int64_t b = m / (oh * ow), oy = m / ow % oh, ox = m % ow;
  for (int64_t ky = 0; ky < s.kernel_h; ++ky)
    for (int64_t kx = 0; kx < s.kernel_w; ++kx, row += cg) {
      const uint8_t* px = tap_pixel(x, s, b, oy, ox, ky, kx);
      if (!px) {
        std::fill(row, row + cg, x_zp);
      } else if (cg < 16) {  // a few channels (e.g. a grayscale stem): a library memmove costs more
        for (int64_t c = 0; c < cg; ++c) row[c] = px[g * cg + c];
      } else {
        std::copy(px + g * cg, px + (g + 1) * cg, row);
      }
    }
}

void depthwise(const uint8_t* x, uint8_t x_zp, const PackedConvWeights& w, const Epilogue& ep, ThreadPool& pool) {
  const Conv2dShape& s = w.shape;
  const int64_t C = s.in_c, taps = s.kernel_h * s.kernel_w, oh = s.out_h(), ow = s.out_w();
  ResolvedEpilogue r = resolve_epilogue(ep, C);
  EpilogueParams p = r.params();
  std::vector<uint8_t> zero_pixel(C, x_zp);  // what padding taps read: contributes 0
  pool.parallel_for(s.batch * oh * ow, 16, [&](int64_t begin, int64_t end) {
    std::vector<const uint8_t*> in(taps);
    std::vector<int32_t> acc(C);
    for (int64_t m = begin; m < end; ++m) {
      int64_t b = m / (oh * ow), oy = m / ow % oh, ox = m % ow;
      // Taps by (ky, kx), not t / kernel_w and t % kernel_w: two 64-bit divisions per tap cost
      // more than the multiply-adds of a 32-channel pixel.
      for (int64_t ky = 0, t = 0; ky < s.kernel_h; ++ky)
        for (int64_t kx = 0; kx < s.kernel_w; ++kx, ++t) {
          const uint8_t* px = tap_pixel(x, s, b, oy, ox, ky, kx);
          in[t] = px ? px : zero_pixel.data();
        }
      w.table->dwconv(C, taps, in.data(), x_zp, w.dw_weights.data(), acc.data());
      w.table->qgemm.epilogue(acc.data(), C, 1, C, m, 0, p);
    }
  });
}

}  // namespace

PackedConvWeights pack_conv_weights_s8(const int8_t* w, const Conv2dShape& shape, std::span<const int8_t> w_zero_point,
                                       const KernelTable& table) {
  check_shape(shape);
  const Conv2dShape& s = shape;
  const int64_t cg = s.in_c / s.groups, ocg = s.out_c / s.groups, area = s.kernel_h * s.kernel_w;
  OCTET_CHECK(w_zero_point.size() <= 1 || int64_t(w_zero_point.size()) == s.out_c, "qconv: ",
              w_zero_point.size(), " weight zero points for ", s.out_c, " output channels");
  auto zp = [&](int64_t oc) -> int8_t { return w_zero_point.empty() ? 0 : w_zero_point[w_zero_point.size() == 1 ? 0 : oc]; };
  PackedConvWeights p;
  p.shape = s, p.table = &table;
  if (s.depthwise()) {  // ONNX [C][1][KH][KW] -> [tap][C], zero point subtracted once here
    p.dw_weights.resize(area * s.in_c);
    for (int64_t c = 0; c < s.in_c; ++c)
      for (int64_t t = 0; t < area; ++t) p.dw_weights[t * s.in_c + c] = int32_t(w[c * area + t]) - zp(c);
    return p;
  }
  // ONNX [OC][C/g][KH][KW] -> per group K x N with K in im2col order (ky, kx, c).
  std::vector<int8_t> kn(area * cg * ocg), zps(ocg);
  for (int64_t g = 0; g < s.groups; ++g) {
    for (int64_t o = 0; o < ocg; ++o) {
      int64_t oc = g * ocg + o;
      zps[o] = zp(oc);
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t t = 0; t < area; ++t) kn[(t * cg + c) * ocg + o] = w[(oc * cg + c) * area + t];
    }
    p.group_weights.push_back(pack_weights_s8(kn.data(), area * cg, ocg, ocg, 1,
                                              w_zero_point.empty() ? std::span<const int8_t>() : zps, table.qgemm));
  }
  return p;
}

void qconv2d_u8s8_nhwc(const uint8_t* x, uint8_t x_zp, const PackedConvWeights& w, const Epilogue& ep,
                       ThreadPool& pool) {
  const Conv2dShape& s = w.shape;
  OCTET_CHECK(w.table, "qconv: the weights are not packed");
  OCTET_CHECK(x && ep.out, "qconv: null input or output");
  if (s.depthwise()) return depthwise(x, x_zp, w, ep, pool);
  const int64_t M = s.batch * s.out_h() * s.out_w(), cg = s.in_c / s.groups, ocg = s.out_c / s.groups;
  const int64_t K = s.kernel_h * s.kernel_w * cg;
  const bool direct = s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
                      s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
  // The im2col matrix lives on in this thread between calls: no allocation or page faults per
  // call once the largest convolution has run. Only this call uses it (the pool's tasks share the
  // pointer, and qgemm_u8s8 returns before the next caller on this thread can touch it).
  thread_local std::vector<uint8_t> cols;
  if (!direct && int64_t(cols.size()) < M * K) cols.resize(M * K);
  for (int64_t g = 0; g < s.groups; ++g) {
    Epilogue eg = s.groups == 1 ? ep : ep.columns(s.out_c, g * ocg, ocg);
    if (direct) {  // a 1x1 convolution is a GEMM on the input as it lies
      qgemm_u8s8(x + g * cg, s.in_c, x_zp, w.group_weights[g], M, eg, pool);
      continue;
    }
    // The pointer, not `cols` itself: inside the lambda a worker thread would name its own
    // thread_local vector.
    uint8_t* a = cols.data();
    pool.parallel_for(M, 64, [&](int64_t b, int64_t e) {
      for (int64_t m = b; m < e; ++m) im2col_row(x, x_zp, s, g, m, a + m * K);
    });
    qgemm_u8s8(a, K, x_zp, w.group_weights[g], M, eg, pool);
  }
}

}  // namespace octet::kernels
