// Scalar reference of the depthwise convolution microkernel (twin of kernels/x86/dwconv_*).
#pragma once

#include <cstdint>

namespace octet::kernels {

// acc[c] = sum_t (in[t][c] - x_zp) * w[t * channels + c] for c < channels: one output pixel.
// in[t] points at the C channels of the input pixel under tap t (or at a row of x_zp for padding).
using DwconvUkernelFn = void (*)(int64_t channels, int64_t taps, const uint8_t* const* in, int32_t x_zp,
                                 const int32_t* w, int32_t* acc);

void dwconv_u8s8__ref(int64_t channels, int64_t taps, const uint8_t* const* in, int32_t x_zp, const int32_t* w,
                      int32_t* acc);

}  // namespace octet::kernels
