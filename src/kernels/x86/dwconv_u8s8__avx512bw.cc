// Depthwise convolution microkernel on zmm: 16 channels at a time, taps accumulated in int32. x_t
// zero-extended to 32-bit lanes has a zero high half, and |w_t| <= 255 fits the low half as int16,
// so vpmaddwd gives x_t * w_t exactly in one uop (vpmulld is two, with twice the latency). Masked
// channel tail. The zero-point term is the caller's (kernels/ref/dwconv_ref.h).
#include <immintrin.h>

#include "kernels/x86/dwconv_kernels.h"
#include "kernels/x86/pixel_blocks.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {
namespace {

// Pixels p0 .. p0 + P - 1 together (kernels/x86/pixel_blocks.h): each tap's weights loaded once for all P.
template <int P>
void dw_pixels(int64_t channels, int64_t taps, int64_t p0, const uint8_t* const* in, const int64_t* step,
               const int32_t* w, int32_t* acc) {
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 k = channels - c >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (channels - c)) - 1);
    __m512i s[P];
    for (int p = 0; p < P; ++p) s[p] = _mm512_setzero_si512();
    for (int64_t t = 0; t < taps; ++t) {
      const __m512i wt = _mm512_maskz_loadu_epi32(k, w + t * channels + c);
      const int64_t st = step[t];
      const uint8_t* base = in[t] + p0 * st + c;
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        s[p] =
            _mm512_add_epi32(s[p], _mm512_madd_epi16(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, base + p * st)), wt));
    }
    for (int p = 0; p < P; ++p) _mm512_mask_storeu_epi32(acc + (p0 + p) * channels + c, k, s[p]);
  }
}

}  // namespace

void dwconv_u8s8__avx512bw(int64_t channels, int64_t taps, int64_t pixels, const uint8_t* const* in,
                           const int64_t* step, const int32_t* w, int32_t* acc) {
  for_pixel_blocks(pixels, [&]<int P>(int64_t p) { dw_pixels<P>(channels, taps, p, in, step, w, acc); });
}

}  // namespace octet::kernels
