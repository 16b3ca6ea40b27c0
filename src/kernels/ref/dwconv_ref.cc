#include "kernels/ref/dwconv_ref.h"

namespace octet::kernels {

void dwconv_u8s8__ref(int64_t channels, int64_t taps, const uint8_t* const* in, int32_t x_zp, const int32_t* w,
                      int32_t* acc) {
  for (int64_t c = 0; c < channels; ++c) {
    int32_t s = 0;
    // |x - x_zp| <= 255 and |w - w_zp| <= 255: at most 25 * 65025 for a 5x5 kernel, far from overflow.
    for (int64_t t = 0; t < taps; ++t) s += (int32_t(in[t][c]) - x_zp) * w[t * channels + c];
    acc[c] = s;
  }
}

}  // namespace octet::kernels
