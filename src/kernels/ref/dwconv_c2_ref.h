// Scalar reference of the depthwise ring path with two input rows per int32 lane (twin of
// kernels/x86/dwconv_c2__*; the ring: kernels/ref/dwconv_ring.h): vpmaddwd multiplies the two int16 halves of a
// lane by those of another and adds the 2 products, exactly (the one overflow, both pairs -32768, needs an input
// half that a zero-extended u8 never is). So a lane holds 2 input rows as zero-extended u8 halves and the weights
// of 2 kernel rows as int16 halves: w - w_zp fits, so any weight zero point runs on this path, and one vpmaddwd
// plus one add covers 2 taps of 8 channels where the per-tap kernel (kernels/ref/dwconv_ref.h) spends a
// zero-extension, a vpmaddwd and an add per tap.
#pragma once

#include "kernels/ref/dwconv_ring.h"

namespace octet::kernels {

// Rows per lane of this format (DwconvRingKernel::rows).
inline constexpr int kDwC2Rows = 2;

// DwInsertRowFn with part = half: the row's u8 zero-extended into 16-bit half `half` of the lane.
void dw_insert_row_c2__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                           int64_t out_col, int half);
// DwInsertLanesFn: half j of a lane = rows[j]'s u8 zero-extended.
void dw_insert_lanes_c2__ref(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                             uint32_t* out, int64_t out_col);
// DwconvRingFn with dot = the sum of the 2 products of the lanes' halves read as int16.
void dwconv_c2__ref(const DwRingArgs& a);

}  // namespace octet::kernels
