// The depthwise "ring" paths (kernels/qconv.cc drives them) and the scalar twins of their kernels (of
// kernels/x86/dwconv_c4__* and dwconv_c2__*). A dot-product instruction sums R products per
// int32 lane (R = 4 for vpdpbusd's bytes, 2 for vpmaddwd's 16-bit halves), so the driver keeps the input rows
// under the kernel in a ring of R * G slots per channel and column, G = ceil(window rows / R): input row iy in slot
// iy mod RG, which is part slot % R (byte or half) of lane group slot / R. A kernel column then costs G dot
// products for a vector of channels instead of kh multiply-adds, and moving to the next output row inserts only
// the rows that enter the window. The weights come in RG rotations (the weight of kernel row ky in the slot of
// input row iy0 + ky * dilation, 0 in the other slots).
//
// Two lane formats:
//  - c4: vpdpbusd multiplies 4 u8 by 4 s8 and adds the 4 products to an int32 lane, so a lane holds 4 input rows
//    as bytes and the weights of 4 kernel rows as s8 bytes (w, not w - w_zp, must fit a byte: weights with zero
//    point 0 only).
//  - c2: vpmaddwd multiplies the two int16 halves of a lane by those of another and adds the 2 products, exactly
//    (the one overflow, both pairs -32768, needs an input half that a zero-extended u8 never is). So a lane holds
//    2 input rows as zero-extended u8 halves and the weights of 2 kernel rows as int16 halves: w - w_zp fits, so
//    any weight zero point runs on it, and one vpmaddwd plus one add covers 2 taps of 8 channels where the
//    per-tap kernel (kernels/ref/dwconv_ref.h) spends a zero-extension, a vpmaddwd and an add per tap.
#pragma once

#include <cstdint>

namespace octet::kernels {

// Part `part` (byte for R = 4, 16-bit half for R = 2; a u8 zero-extended) of out[col * out_col + c] =
// row[col * x_stride + c] for col < cols and c < channels; the other parts, and the lanes c >= channels, keep
// their value.
using DwInsertRowFn = void (*)(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                               int64_t out_col, int part);

// Every part of out[col * out_col + c] at once, part j = rows[j][col * x_stride + c] for j < R, col < cols and
// c < channels (the lanes c >= channels keep their value): one store per lane for R rows instead of R
// read-modify-writes (the driver brings a lane group's rows together, kernels/qconv.cc).
using DwInsertLanesFn = void (*)(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                                 uint32_t* out, int64_t out_col);

// acc[p * ld + c] = sum over kx < kw and g < groups of dot(ib[g * ib_group + (p * stride + kx * dil) * ib_col + c],
// w[(kx * groups + g) * w_tap + c]) for p < pixels, c < channels: dot the sum of the R products of the lanes'
// parts (each format's twin says how a part is read). Reads whole 16-lane blocks of ib and w (pad both to a
// multiple of 16 lanes); writes only c < channels.
struct DwRingArgs {
  int64_t channels, kw, groups, pixels, stride, dil;
  const uint32_t* ib;
  int64_t ib_col, ib_group;
  const uint32_t* w;
  int64_t w_tap;
  int32_t* acc;
  int64_t ld;
};
using DwconvRingFn = void (*)(const DwRingArgs& a);

// A path's ring kernels and their lane format: `rows` = R (4: u8 x s8 bytes, weights with zero point 0 only, since
// w must fit a byte; 2: u16 x s16 halves, any weights, packed as w - w_zp). All zero where the path has none;
// insert_lanes null where insert_row writes a part as cheaply as a whole lane (a masked byte store).
struct DwconvRingKernel {
  int rows = 0;
  DwInsertRowFn insert_row = nullptr;
  DwconvRingFn conv = nullptr;
  DwInsertLanesFn insert_lanes = nullptr;
};

// Rows per lane of each format (DwconvRingKernel::rows).
inline constexpr int kDwC4Rows = 4, kDwC2Rows = 2;

// c4: DwInsertRowFn with part = byte; DwconvRingFn with dot = the sum of the 4 byte products, ib's bytes u8 and
// w's s8.
void dw_insert_row__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                        int64_t out_col, int byte);
void dwconv_c4__ref(const DwRingArgs& a);

// c2: DwInsertRowFn with part = half (the row's u8 zero-extended); DwInsertLanesFn; DwconvRingFn with dot = the
// sum of the 2 products of the lanes' halves read as int16.
void dw_insert_row_c2__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                           int64_t out_col, int half);
void dw_insert_lanes_c2__ref(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                             uint32_t* out, int64_t out_col);
void dwconv_c2__ref(const DwRingArgs& a);

}  // namespace octet::kernels
