// Depthwise convolution microkernel on zmm: 16 channels at a time, taps accumulated in int32
// (vpmovzxbd, vpsubd, vpmulld: exact, no 16-bit intermediate to saturate). Masked channel tail.
#include <immintrin.h>

#include "kernels/x86/dwconv_kernels.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {

void dwconv_u8s8__avx512bw(int64_t channels, int64_t taps, const uint8_t* const* in, int32_t x_zp, const int32_t* w,
                           int32_t* acc) {
  const __m512i zp = _mm512_set1_epi32(x_zp);
  for (int64_t c = 0; c < channels; c += 16) {
    __mmask16 k = channels - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (channels - c)) - 1);
    __m512i s = _mm512_setzero_si512();
    for (int64_t t = 0; t < taps; ++t) {
      __m512i x = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, in[t] + c)), zp);
      s = _mm512_add_epi32(s, _mm512_mullo_epi32(x, _mm512_maskz_loadu_epi32(k, w + t * channels + c)));
    }
    _mm512_mask_storeu_epi32(acc + c, k, s);
  }
}

}  // namespace octet::kernels
