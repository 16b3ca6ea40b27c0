// The x86 depthwise convolution microkernels (contracts: kernels/ref/dwconv_ref.h and, for the ring paths,
// kernels/ref/dwconv_ring_ref.h: four rows per lane on VNNI, two on AVX2).
#pragma once

#include <cstdint>

#include "kernels/ref/dwconv_ring_ref.h"

namespace octet::kernels {

void dwconv_u8s8__avx512bw(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in,
                           const int64_t* step, const int32_t* w, int32_t* acc);
void dwconv_u8s8__avx2(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in, const int64_t* step,
                       const int32_t* w, int32_t* acc);

void dw_insert_row__avx512vnni(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                               int64_t out_col, int byte);
void dwconv_c4__avx512vnni(const DwRingArgs& a);

void dw_insert_row_c2__avx2(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                            int64_t out_col, int half);
void dwconv_c2__avx2(const DwRingArgs& a);
void dw_insert_lanes_c2__avx2(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                              uint32_t* out, int64_t out_col);

}  // namespace octet::kernels
