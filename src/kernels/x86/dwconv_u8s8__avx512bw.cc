// Depthwise convolution microkernel on zmm: 16 channels at a time, taps accumulated in int32.
// sum_t (x_t - x_zp) * w_t is computed as sum_t x_t * w_t - x_zp * sum_t w_t: x_t zero-extended to
// 32-bit lanes has a zero high half, and |w_t| <= 255 fits the low half as int16, so vpmaddwd
// gives x_t * w_t exactly in one uop (vpmulld is two, with twice the latency) and the zero point
// costs one vpaddd per tap plus one vpmulld per 16 channels. Masked channel tail.
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
    __m512i s = _mm512_setzero_si512(), wsum = _mm512_setzero_si512();
    for (int64_t t = 0; t < taps; ++t) {
      __m512i x = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, in[t] + c));
      __m512i wt = _mm512_maskz_loadu_epi32(k, w + t * channels + c);
      s = _mm512_add_epi32(s, _mm512_madd_epi16(x, wt));
      wsum = _mm512_add_epi32(wsum, wt);
    }
    _mm512_mask_storeu_epi32(acc + c, k, _mm512_sub_epi32(s, _mm512_mullo_epi32(zp, wsum)));
  }
}

}  // namespace octet::kernels
