// The x86 depthwise convolution microkernels (contract: kernels/ref/dwconv_ref.h).
#pragma once

#include <cstdint>

namespace octet::kernels {

void dwconv_u8s8__avx512bw(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in,
                           const int64_t* step, const int32_t* w, int32_t* acc);
void dwconv_u8s8__avx2(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in, const int64_t* step,
                       const int32_t* w, int32_t* acc);

}  // namespace octet::kernels
