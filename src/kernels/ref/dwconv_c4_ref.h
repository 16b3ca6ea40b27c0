// Scalar reference of the depthwise ring path with four input rows per int32 lane (twin of
// kernels/x86/dwconv_c4__*; the ring: kernels/ref/dwconv_ring.h): vpdpbusd multiplies 4 u8 by 4 s8 and adds the
// 4 products to an int32 lane, so a lane holds 4 input rows as bytes and the weights of 4 kernel rows as s8 bytes
// (w, not w - w_zp, must fit a byte: weights with zero point 0 only).
#pragma once

#include "kernels/ref/dwconv_ring.h"

namespace octet::kernels {

// Rows per lane of this format (DwconvRingKernel::rows).
inline constexpr int kDwC4Rows = 4;

// DwInsertRowFn with part = byte.
void dw_insert_row__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                        int64_t out_col, int byte);
// DwconvRingFn with dot = the sum of the 4 byte products, ib's bytes u8 and w's s8.
void dwconv_c4__ref(const DwRingArgs& a);

}  // namespace octet::kernels
