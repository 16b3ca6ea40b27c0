#include "kernels/qconv.h"

#include <algorithm>
#include <cstring>

#include "kernels/copy_elems.h"
#include "kernels/ref/dwconv_ring_ref.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

void check_shape(const Conv2dShape& s) {
  OCTET_CHECK(s.batch >= 1 && s.in_h >= 1 && s.in_w >= 1 && s.in_c >= 1 && s.out_c >= 1 && s.kernel_h >= 1 &&
                  s.kernel_w >= 1 && s.stride_h >= 1 && s.stride_w >= 1 && s.dilation_h >= 1 && s.dilation_w >= 1 &&
                  s.pad_top >= 0 && s.pad_left >= 0 && s.pad_bottom >= 0 && s.pad_right >= 0 && s.groups >= 1,
              "qconv: bad shape (sizes, kernel, strides and dilations must be >= 1, pads >= 0)");
  OCTET_CHECK(s.in_c % s.groups == 0 && s.out_c % s.groups == 0, "qconv: ", s.groups, " groups do not divide ", s.in_c,
              " input and ", s.out_c, " output channels");
  OCTET_CHECK(s.in_h + s.pad_top + s.pad_bottom > s.dilation_h * (s.kernel_h - 1) &&
                  s.in_w + s.pad_left + s.pad_right > s.dilation_w * (s.kernel_w - 1),
              "qconv: the (dilated) kernel is larger than the padded input");
}

// Output columns whose taps all lie inside the input row (no horizontal padding): [lo, hi).
struct InteriorColumns {
  int64_t lo, hi;
};
InteriorColumns interior_columns(const Conv2dShape& s) {
  const int64_t ow = s.out_w();
  const int64_t last = s.in_w - 1 - (s.kernel_w - 1) * s.dilation_w + s.pad_left;  // ox * stride_w <= last
  const int64_t lo = std::min(ow, (s.pad_left + s.stride_w - 1) / s.stride_w);
  return {lo, last < 0 ? lo : std::max(lo, std::min(ow, last / s.stride_w + 1))};
}

template <class T>
inline void fill_elems(T* d, uint8_t v, int64_t n) {
  if constexpr (sizeof(T) == 1) std::memset(d, v, n);
  else std::fill(d, d + n, T(v));
}

// Rows [begin, end) of the im2col matrix of group g (K order (ky, kx, c)), written straight in
// the GEMM's packed-A layout (kernels/qgemm_ukernel.h: elements of type T, row m at
// a + (m - begin) * a_stride bytes, zeros from K to kp): for each tap, the group's C / groups
// channels of the pixel under it, or x_zp (a real 0) in the padding. Loops run over the pixels of
// one output row inside each kernel row, so the checks are per row and the interior columns' loop
// is only copies: with one group and no horizontal dilation a kernel row's taps are adjacent
// pixels, one copy per pixel. (Per pixel, the checks had cost small convolutions more than their
// multiply-adds: the ResNet fixture's int8 inference went from 60 to 44 us.)
template <class T>
void im2col_rows(const uint8_t* x, uint8_t x_zp, const Conv2dShape& shape, int64_t g, int64_t kp, int64_t begin,
                 int64_t end, uint8_t* a, int64_t a_stride) {
  // Locals, not shape's fields: the stores below may alias anything, so fields read through a
  // reference would be reloaded after every store.
  const Conv2dShape s = shape;
  const int64_t cg = s.in_c / s.groups, K = s.kernel_h * s.kernel_w * cg, span = s.kernel_w * cg;
  const int64_t in_h = s.in_h, in_w = s.in_w, in_c = s.in_c, oh = s.out_h(), ow = s.out_w();
  const int64_t stride_w = s.stride_w, dil_w = s.dilation_w, pad_left = s.pad_left;
  const int64_t row_elems = a_stride / int64_t(sizeof(T));
  const bool rows_adjacent = s.groups == 1 && dil_w == 1;
  const InteriorColumns inner = interior_columns(s);
  for (int64_t m = begin; m < end;) {
    const int64_t b = m / (oh * ow), oy = m / ow % oh, ox0 = m % ow, ox1 = std::min(ow, ox0 + (end - m));
    T* const first = reinterpret_cast<T*>(a + (m - begin) * a_stride);  // the row of column ox0
    for (int64_t i = 0; i < ox1 - ox0; ++i)                             // kp - K < kr <= 4
      for (int64_t j = K; j < kp && j < K + 4; ++j) first[i * row_elems + j] = 0;
    // One pixel the slow way: tap by tap, padding or not.
    auto taps = [&](T* dst, const uint8_t* line, int64_t ox) {
      for (int64_t kx = 0, ix = ox * stride_w - pad_left; kx < s.kernel_w; ++kx, ix += dil_w) {
        if (ix < 0 || ix >= in_w) fill_elems(dst + kx * cg, x_zp, cg);
        else copy_elems(dst + kx * cg, line + ix * in_c, cg);
      }
    };
    for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
      T* const seg = first + ky * span;  // kernel row ky of column ox is at seg + (ox - ox0) * row_elems
      const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
      if (iy < 0 || iy >= in_h) {
        for (int64_t ox = ox0; ox < ox1; ++ox) fill_elems(seg + (ox - ox0) * row_elems, x_zp, span);
        continue;
      }
      const uint8_t* line = x + (b * in_h + iy) * in_w * in_c + g * cg;
      const int64_t lo = std::clamp(inner.lo, ox0, ox1), hi = std::clamp(inner.hi, lo, ox1);
      for (int64_t ox = ox0; ox < lo; ++ox) taps(seg + (ox - ox0) * row_elems, line, ox);
      if (rows_adjacent) {
        const uint8_t* src = line + (lo * stride_w - pad_left) * in_c;
        T* dst = seg + (lo - ox0) * row_elems;
        for (int64_t ox = lo; ox < hi; ++ox, src += stride_w * in_c, dst += row_elems) copy_elems(dst, src, span);
      } else {
        for (int64_t ox = lo; ox < hi; ++ox) taps(seg + (ox - ox0) * row_elems, line, ox);
      }
      for (int64_t ox = hi; ox < ox1; ++ox) taps(seg + (ox - ox0) * row_elems, line, ox);
    }
    m += ox1 - ox0;
  }
}

// The depthwise epilogue: sum_t (x_t - x_zp) w_t = sum_t x_t w_t - x_zp sum_t w_t, and the second
// term is the same for every pixel (padding taps read x_zp, a real 0), so it joins the column term
// once. Modular like the GEMM's corrections: the int32 sum is exact.
ResolvedEpilogue depthwise_epilogue(const Epilogue& ep, uint8_t x_zp, const PackedConvWeights& w) {
  ResolvedEpilogue r = resolve_epilogue(ep, w.shape.in_c);
  for (int64_t c = 0; c < w.shape.in_c; ++c)
    r.col_term[c] = int32_t(r.col_term[c] - int64_t(x_zp) * w.dw_weight_sum[c]);
  return r;
}

// Lane groups of the ring of input rows under the kernel with R rows per lane: the window of
// (kh - 1) * dilation + 1 rows rounded up to groups of R (kernels/ref/dwconv_ring_ref.h).
int64_t ring_groups(const Conv2dShape& s, int R) { return ((s.kernel_h - 1) * s.dilation_h + R) / R; }

int64_t mod(int64_t a, int64_t m) { return (a % m + m) % m; }

// The dwconv_ring path (kernels/ref/dwconv_ring_ref.h). Work items are (block of channels, output row), so that a 7x7
// layer still splits over threads, rows of one block in order: each thread keeps the ring of input rows for its block
// and inserts only the rows entering the window, convolves the whole output row into `acc`, then requantizes it with
// one epilogue call.
void depthwise_ring(const uint8_t* x, uint8_t x_zp, const PackedConvWeights& w, const Epilogue& ep, ThreadPool& pool) {
  const Conv2dShape s = w.shape;
  const int64_t C = s.in_c, oh = s.out_h(), ow = s.out_w(), rows = s.batch * oh;
  const DwconvRingKernel& k = w.table->dwconv_ring;
  const int R = k.rows, part_bits = 32 / R;
  const int64_t groups = ring_groups(s, R), slots = R * groups, span = (s.kernel_h - 1) * s.dilation_h + 1;
  const int64_t cols = s.pad_left + s.in_w + s.pad_right, cp = (C + 15) / 16 * 16;
  // Blocks of at most 64 channels, as equal as 16-lane vectors allow (144 = 3 x 48, not 64 + 64 + 16:
  // items are split over threads by count).
  const int64_t blocks = (C + 63) / 64, width = ((C + blocks - 1) / blocks + 15) / 16 * 16;
  const ResolvedEpilogue r = depthwise_epilogue(ep, x_zp, w);
  const EpilogueParams p = r.params();
  const std::vector<uint8_t> zero_row(s.in_w * C, x_zp);
  uint32_t pad_lane = 0;  // x_zp in every part
  for (int j = 0; j < R; ++j) pad_lane |= uint32_t(x_zp) << (part_bits * j);
  pool.parallel_for(blocks * rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint32_t> ib(groups * cols * width, 0);
    std::vector<int32_t> acc(ow * width);
    int64_t ring_block = -1, ring_b = -1, next_iy = 0;  // the ring holds rows < next_iy of (ring_b, ring_block)
    for (int64_t item = begin; item < end; ++item) {
      const int64_t block = item / rows, row = item % rows, b = row / oh, oy = row % oh;
      const int64_t c0 = block * width, kc = std::min(width, C - c0), ib_col = (kc + 15) / 16 * 16;
      const int64_t ib_group = cols * ib_col, iy0 = oy * s.stride_h - s.pad_top;
      if (block != ring_block || b != ring_b) {  // a new layout: padding columns, no rows yet
        for (int64_t g = 0; g < groups; ++g) {
          uint32_t* gb = ib.data() + g * ib_group;
          std::fill(gb, gb + s.pad_left * ib_col, pad_lane);
          std::fill(gb + (s.pad_left + s.in_w) * ib_col, gb + cols * ib_col, pad_lane);
        }
        ring_block = block, ring_b = b, next_iy = iy0;
      }
      auto line = [&](int64_t iy) {
        return (iy >= 0 && iy < s.in_h ? x + (b * s.in_h + iy) * s.in_w * C : zero_row.data()) + c0;
      };
      // Rows enter until the window is in. Where the kernel writes whole lanes, a row starting a lane group
      // brings the group's other rows too, ahead of the window if need be: the slots they overwrite hold rows
      // above the window (iy + R - 1 - slots < iy0), and the rotation weighs the slots outside it 0, so a row
      // that has not entered yet costs nothing here and is in place when it does (at strides 1 and 2 no
      // read-modify-write is left after a block's first window).
      int64_t iy = std::max(iy0, next_iy);
      while (iy < iy0 + span) {
        const int64_t slot = mod(iy, slots);
        uint32_t* const lanes = ib.data() + (slot / R) * ib_group + s.pad_left * ib_col;
        if (k.insert_lanes && slot % R == 0 && iy + R - 1 - iy0 < slots) {
          const uint8_t* src[4];
          for (int j = 0; j < R; ++j) src[j] = line(iy + j);
          k.insert_lanes(kc, s.in_w, src, C, lanes, ib_col);
          iy += R;
        } else {
          k.insert_row(kc, s.in_w, line(iy), C, lanes, ib_col, int(slot % R));
          ++iy;
        }
      }
      next_iy = iy;
      const int64_t rotation = mod(iy0, slots);
      k.conv(DwRingArgs{kc, s.kernel_w, groups, ow, s.stride_w, s.dilation_w, ib.data(), ib_col, ib_group,
                        w.dw_weights_ring.data() + (rotation * s.kernel_w * groups) * cp + c0, cp, acc.data(), kc});
      w.table->qgemm.epilogue(acc.data(), kc, ow, kc, row * ow, c0, p);
    }
  });
}

void depthwise(const uint8_t* x, uint8_t x_zp, const PackedConvWeights& w, const Epilogue& ep, ThreadPool& pool) {
  if (!w.dw_weights_ring.empty()) return depthwise_ring(x, x_zp, w, ep, pool);
  const Conv2dShape s = w.shape;
  const int64_t C = s.in_c, taps = s.kernel_h * s.kernel_w, oh = s.out_h(), ow = s.out_w();
  const ResolvedEpilogue r = depthwise_epilogue(ep, x_zp, w);
  const EpilogueParams p = r.params();
  std::vector<uint8_t> zero_pixel(C, x_zp);
  const InteriorColumns inner = interior_columns(s);
  const int64_t ox_lo = inner.lo, ox_hi = inner.hi;
  constexpr int64_t kChunk = 8;  // interior pixels per microkernel call, one epilogue call each
  pool.parallel_for(s.batch * oh, 1, [&](int64_t row_begin, int64_t row_end) {
    std::vector<const uint8_t*> in(taps);
    std::vector<int64_t> step(taps);
    std::vector<int32_t> acc(kChunk * C);
    for (int64_t row = row_begin; row < row_end; ++row) {
      const int64_t b = row / oh, oy = row % oh;
      // `n` pixels from column ox; a tap outside the input (only possible for n == 1 at the
      // row's ends, or a padding row) reads the zero pixel and does not move.
      auto run = [&](int64_t ox, int64_t n) {
        for (int64_t ky = 0, t = 0; ky < s.kernel_h; ++ky) {
          const int64_t iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
          for (int64_t kx = 0; kx < s.kernel_w; ++kx, ++t) {
            const int64_t ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
            const bool inside = iy >= 0 && iy < s.in_h && ix >= 0 && ix < s.in_w;
            in[t] = inside ? x + ((b * s.in_h + iy) * s.in_w + ix) * C : zero_pixel.data();
            step[t] = inside ? s.stride_w * C : 0;
          }
        }
        w.table->dwconv(C, taps, n, in.data(), step.data(), w.dw_weights.data(), acc.data());
        w.table->qgemm.epilogue(acc.data(), C, n, C, row * ow + ox, 0, p);
      };
      for (int64_t ox = 0; ox < ox_lo; ++ox) run(ox, 1);
      for (int64_t ox = ox_lo; ox < ox_hi; ox += kChunk) run(ox, std::min(kChunk, ox_hi - ox));
      for (int64_t ox = ox_hi; ox < ow; ++ox) run(ox, 1);
    }
  });
}

}  // namespace

PackedConvWeights pack_conv_weights_s8(const int8_t* w, const Conv2dShape& shape, std::span<const int8_t> w_zero_point,
                                       const KernelTable& table) {
  check_shape(shape);
  const Conv2dShape& s = shape;
  const int64_t cg = s.in_c / s.groups, ocg = s.out_c / s.groups, area = s.kernel_h * s.kernel_w;
  OCTET_CHECK(w_zero_point.size() <= 1 || int64_t(w_zero_point.size()) == s.out_c, "qconv: ", w_zero_point.size(),
              " weight zero points for ", s.out_c, " output channels");
  auto zp = [&](int64_t oc) -> int8_t {
    return w_zero_point.empty() ? 0 : w_zero_point[w_zero_point.size() == 1 ? 0 : oc];
  };
  PackedConvWeights p;
  p.shape = s, p.table = &table;
  if (s.depthwise()) {  // ONNX [C][1][KH][KW] -> [tap][C], zero point subtracted once here
    p.dw_weights.resize(area * s.in_c);
    p.dw_weight_sum.assign(s.in_c, 0);
    for (int64_t c = 0; c < s.in_c; ++c)
      for (int64_t t = 0; t < area; ++t) {
        p.dw_weights[t * s.in_c + c] = int32_t(w[c * area + t]) - zp(c);
        p.dw_weight_sum[c] += p.dw_weights[t * s.in_c + c];
      }
    // A 16-bit part holds any w - w_zp (-255..255); a byte holds w only, so R = 4 needs zero point 0.
    const bool symmetric = std::all_of(w_zero_point.begin(), w_zero_point.end(), [](int8_t z) { return z == 0; });
    const int R = table.dwconv_ring.rows;
    if (R && (R == kDwC2Rows || symmetric)) {  // [rotation][kx][group][cp], kernels/ref/dwconv_ring_ref.h
      const int64_t groups = ring_groups(s, R), slots = R * groups, cp = (s.in_c + 15) / 16 * 16;
      const int part_bits = 32 / R;
      const uint32_t part_mask = (1u << part_bits) - 1;
      p.dw_weights_ring.assign(slots * s.kernel_w * groups * cp, 0);
      for (int64_t rot = 0; rot < slots; ++rot)  // rot = the slot of iy0
        for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
          const int64_t slot = (rot + ky * s.dilation_h) % slots;
          for (int64_t kx = 0; kx < s.kernel_w; ++kx)
            for (int64_t c = 0; c < s.in_c; ++c)
              p.dw_weights_ring[((rot * s.kernel_w + kx) * groups + slot / R) * cp + c] |=
                  (uint32_t(p.dw_weights[(ky * s.kernel_w + kx) * s.in_c + c]) & part_mask) << (part_bits * (slot % R));
        }
    }
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
    p.group_weights.push_back(
        pack_weights_s8(kn.data(), area * cg, ocg, ocg, 1, w_zero_point.empty() ? std::span<const int8_t>() : zps,
                        table.qgemm_for(ocg, weights_fit_7bit(kn.data(), area * cg, ocg, ocg, 1))));
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
  const bool direct = s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 &&
                      s.pad_left == 0 && s.pad_bottom == 0 && s.pad_right == 0;
  for (int64_t g = 0; g < s.groups; ++g) {
    Epilogue eg = s.groups == 1 ? ep : ep.columns(s.out_c, g * ocg, ocg);
    const PackedWeightsS8& wg = w.group_weights[g];
    if (direct) {  // a 1x1 convolution is a GEMM on the input as it lies
      qgemm_u8s8(x + g * cg, s.in_c, x_zp, wg, M, eg, pool);
      continue;
    }
    // k x k: each GEMM task writes its block of im2col rows in the packed layout itself.
    const bool wide = wg.kernel.a_bytes == 2;
    qgemm_u8s8_packed_rows(
        [&, g](int64_t m0, int64_t m1, uint8_t* dst, int64_t a_stride) {
          if (wide) im2col_rows<uint16_t>(x, x_zp, s, g, wg.kp, m0, m1, dst, a_stride);
          else im2col_rows<uint8_t>(x, x_zp, s, g, wg.kp, m0, m1, dst, a_stride);
        },
        x_zp, wg, M, eg, pool);
  }
}

}  // namespace octet::kernels
