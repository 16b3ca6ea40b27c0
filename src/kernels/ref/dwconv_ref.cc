#include "kernels/ref/dwconv_ref.h"

namespace octet::kernels {

void dwconv_u8s8__ref(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in, const int64_t* step,
                      const int32_t* w, int32_t* acc) {
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t c = 0; c < channels; ++c) {
      int32_t s = 0;
      for (int64_t t = 0; t < taps; ++t) s += int32_t(in[t][p * step[t] + c]) * w[t * channels + c];
      acc[p * channels + c] = s;
    }
}

}  // namespace octet::kernels
