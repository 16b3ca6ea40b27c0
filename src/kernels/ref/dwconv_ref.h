// Scalar reference of the depthwise convolution microkernel (twin of kernels/x86/dwconv_*).
#pragma once

#include <cstdint>

namespace octet::kernels {

// acc[p * channels + c] = sum_t in[t][p * step[t] + c] * w[t * channels + c] for p < pixels and
// c < channels: `pixels` output pixels of one row, tap t of pixel p reading step[t] bytes after
// pixel p - 1's (the stride times C; 0 for a padding tap, which points at a row of x_zp). The
// zero-point term -x_zp * sum_t w[t][c] is the same for every pixel: the caller adds it once
// (qconv.cc folds it into the epilogue's column term). |acc| <= taps * 255 * 255.
using DwconvUkernelFn = void (*)(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in,
                                 const int64_t* step, const int32_t* w, int32_t* acc);

void dwconv_u8s8__ref(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in, const int64_t* step,
                      const int32_t* w, int32_t* acc);

}  // namespace octet::kernels
