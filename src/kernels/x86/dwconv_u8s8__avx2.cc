// Depthwise convolution microkernel on ymm: 8 channels at a time, exact int32 accumulation; the
// channel tail is scalar. The zero-point term is the caller's (kernels/ref/dwconv_ref.h).
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/dwconv_kernels.h"

namespace octet::kernels {

void dwconv_u8s8__avx2(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in, const int64_t* step,
                       const int32_t* w, int32_t* acc) {
  for (int64_t p = 0; p < pixels; ++p) {
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      __m256i s = _mm256_setzero_si256();
      for (int64_t t = 0; t < taps; ++t) {
        int64_t bytes;
        std::memcpy(&bytes, in[t] + p * step[t] + c, 8);
        __m256i x = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes));
        __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + t * channels + c));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(x, wv));  // exact: see dwconv_u8s8__avx512bw.cc
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + p * channels + c), s);
    }
    for (; c < channels; ++c) {  // tail: the same integer arithmetic, one channel at a time
      int32_t s = 0;
      for (int64_t t = 0; t < taps; ++t) s += int32_t(in[t][p * step[t] + c]) * w[t * channels + c];
      acc[p * channels + c] = s;
    }
  }
}

}  // namespace octet::kernels
