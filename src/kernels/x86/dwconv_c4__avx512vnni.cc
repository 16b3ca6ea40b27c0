// The four-rows-per-lane depthwise path on zmm (contract: kernels/ref/dwconv_ring_ref.h): one
// vpdpbusd per kernel column and row group covers 4 taps of 16 channels, where the avx512bw kernel
// spends a zero-extension, a vpmaddwd and an add per tap.
#include <immintrin.h>

#include "kernels/x86/dwconv_kernels.h"
#include "kernels/x86/pixel_blocks.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {
namespace {

__mmask16 lanes(int64_t left) { return left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1); }

// Pixels p0 .. p0 + P - 1 of the 16 channels at c: P independent accumulator chains, each
// (kx, g) weight vector loaded once for all P. KW and G > 0 fix the kernel width and row groups at
// compile time (3x3 and 5x5: the loops unroll and the accumulators stay in registers); 0 reads them
// from `a`.
template <int P, int KW, int G>
void dw_c4_pixels(const DwRingArgs& a, int64_t c, int64_t p0) {
  const int64_t kw = KW ? KW : a.kw, groups = G ? G : a.groups;
  const int64_t pixel_step = a.stride * a.ib_col;
  __m512i s[P];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) s[p] = _mm512_setzero_si512();
#pragma GCC unroll 5
  for (int64_t kx = 0; kx < kw; ++kx)
#pragma GCC unroll 2
    for (int64_t g = 0; g < groups; ++g) {
      const __m512i wv = _mm512_loadu_si512(a.w + (kx * groups + g) * a.w_tap + c);
      const uint32_t* base = a.ib + g * a.ib_group + (p0 * a.stride + kx * a.dil) * a.ib_col + c;
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) s[p] = _mm512_dpbusd_epi32(s[p], _mm512_loadu_si512(base + p * pixel_step), wv);
    }
  const __mmask16 k = lanes(a.channels - c);
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) _mm512_mask_storeu_epi32(a.acc + (p0 + p) * a.ld + c, k, s[p]);
}

template <int KW, int G>
void dw_c4_rows(const DwRingArgs& a) {
  for (int64_t c = 0; c < a.channels; c += 16) {
    for_pixel_blocks(a.pixels, [&]<int P>(int64_t p) { dw_c4_pixels<P, KW, G>(a, c, p); });
  }
}

}  // namespace

void dw_insert_row__avx512vnni(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                               int64_t out_col, int byte) {
  // Zero-extend 16 bytes to 16 lanes, then store only byte 0 of each lane, `byte` bytes further
  // on: one masked byte store instead of a load, a shift, a blend and a store of the lanes.
  for (int64_t c = 0; c < channels; c += 16) {
    const __mmask16 k = lanes(channels - c);
    const int64_t n = channels - c >= 16 ? 16 : channels - c;
    const __mmask64 low_bytes = 0x1111111111111111ull & (n == 16 ? ~0ull : (1ull << (4 * n)) - 1);
    for (int64_t col = 0; col < cols; ++col) {
      const __m512i v = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, row + col * x_stride + c));
      _mm512_mask_storeu_epi8(reinterpret_cast<uint8_t*>(out + col * out_col + c) + byte, low_bytes, v);
    }
  }
}

void dwconv_c4__avx512vnni(const DwRingArgs& a) {
  if (a.kw == 3 && a.groups == 1) return dw_c4_rows<3, 1>(a);
  if (a.kw == 5 && a.groups == 2) return dw_c4_rows<5, 2>(a);
  dw_c4_rows<0, 0>(a);
}

}  // namespace octet::kernels
