// Scalar reference of the depthwise path with four input rows per int32 lane (twin of
// kernels/x86/dwconv_c4__*): vpdpbusd multiplies 4 u8 by 4 s8 and adds the 4 products to an int32
// lane, so the driver (kernels/qconv.cc) keeps the input rows under the kernel in a ring of 4 * G
// byte slots per channel and column (row iy in slot iy mod 4G: byte slot % 4 of group slot / 4), and a
// kernel column then costs G vpdpbusd for 16 channels instead of kh multiply-adds. Moving to the
// next output row inserts only the rows that enter the window; the weights come in 4G rotations
// (weight of kernel row ky in the slot of input row iy0 + ky * dilation, 0 in the other slots).
// Weights are s8 with zero point 0 (w, not w - w_zp, must fit a byte).
#pragma once

#include <cstdint>

namespace octet::kernels {

// Byte `byte` of out[col * out_col + c] = row[col * x_stride + c] for col < cols and c < channels;
// the other bytes, and the lanes c >= channels, keep their value.
using DwInsertRowFn = void (*)(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                               int64_t out_col, int byte);

// acc[p * ld + c] = sum over kx < kw and g < groups of dot4(ib[g * ib_group + (p * stride + kx * dil) * ib_col + c],
// w[(kx * groups + g) * w_tap + c]) for p < pixels, c < channels: dot4 the sum of the 4 byte
// products, ib's bytes u8 and w's s8. Reads whole 16-lane blocks of ib and w (pad both to a multiple
// of 16 lanes); writes only c < channels.
struct DwC4Args {
  int64_t channels, kw, groups, pixels, stride, dil;
  const uint32_t* ib;
  int64_t ib_col, ib_group;
  const uint32_t* w;
  int64_t w_tap;
  int32_t* acc;
  int64_t ld;
};
using DwconvC4Fn = void (*)(const DwC4Args& a);

// A path's pair; both null where the ISA has no vpdpbusd.
struct DwconvC4Kernel {
  DwInsertRowFn insert_row = nullptr;
  DwconvC4Fn conv = nullptr;
};

void dw_insert_row__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                        int64_t out_col, int byte);
void dwconv_c4__ref(const DwC4Args& a);

}  // namespace octet::kernels
