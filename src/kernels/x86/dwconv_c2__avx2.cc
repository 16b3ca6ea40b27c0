// The two-rows-per-lane depthwise ring path on ymm (contract: kernels/ref/dwconv_ring_ref.h): one vpmaddwd and one
// add per kernel column and row pair cover 2 taps of 8 channels, where dwconv_u8s8__avx2 spends a zero-extension,
// a vpmaddwd and an add per tap.
#include <immintrin.h>

#include "kernels/x86/dwconv_kernels.h"
#include "kernels/x86/pixel_blocks.h"

namespace octet::kernels {
namespace {

__m256i lane_mask(int64_t left) {  // all ones in the lanes below `left` (<= 8)
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(left)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Pixels p0 .. p0 + P - 1 of the 8 channels at c: P independent accumulator chains, each (kx, g) weight vector
// loaded once for all P. KW and G > 0 fix the kernel width and row pairs at compile time (3x3: 2 pairs, 5x5: 3;
// the loops unroll and the accumulators stay in registers); 0 reads them from `a`.
// Not inlined: inlined into the channel loop, GCC keeps an induction variable per load address (48 for a 3x3) and
// spills them to the stack. After each (kx, g) an empty asm "changes" the sums: otherwise GCC reassociates each
// chain into a tree of all its products, live at once, and spills those.
template <int P, int KW, int G>
__attribute__((noinline)) void dw_c2_pixels(const DwRingArgs& a, int64_t c, int64_t p0) {
  const int64_t kw = KW ? KW : a.kw, groups = G ? G : a.groups;
  const int64_t pixel_step = a.stride * a.ib_col;
  __m256i s[P];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) s[p] = _mm256_setzero_si256();
#pragma GCC unroll 5
  for (int64_t kx = 0; kx < kw; ++kx)
#pragma GCC unroll 3
    for (int64_t g = 0; g < groups; ++g) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.w + (kx * groups + g) * a.w_tap + c));
      const uint32_t* base = a.ib + g * a.ib_group + (p0 * a.stride + kx * a.dil) * a.ib_col + c;
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        s[p] = _mm256_add_epi32(
            s[p], _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + p * pixel_step)), wv));
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p) asm("" : "+x"(s[p]));  // opaque chains (above)
    }
  if (a.channels - c >= 8) {
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.acc + (p0 + p) * a.ld + c), s[p]);
  } else {
    const __m256i k = lane_mask(a.channels - c);
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) _mm256_maskstore_epi32(a.acc + (p0 + p) * a.ld + c, k, s[p]);
  }
}

template <int KW, int G>
void dw_c2_rows(const DwRingArgs& args) {
  const DwRingArgs a = args;  // a local copy: the stores to acc would make the compiler reload args' fields
  for (int64_t c = 0; c < a.channels; c += 8) {
    for_pixel_blocks(a.pixels, [&]<int P>(int64_t p) { dw_c2_pixels<P, KW, G>(a, c, p); });
  }
}

// The row's 8 bytes at c zero-extended into half HALF of the 8 lanes at `out`: one blend keeps the other half.
template <int HALF>
void insert_8(const uint8_t* row, uint32_t* out) {
  __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row)));
  if (HALF) v = _mm256_slli_epi32(v, 16);
  __m256i* dst = reinterpret_cast<__m256i*>(out);
  _mm256_storeu_si256(dst, _mm256_blend_epi16(_mm256_loadu_si256(dst), v, HALF ? 0xAA : 0x55));
}

template <int HALF>
void insert_row(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out, int64_t out_col) {
  const int64_t whole = channels / 8 * 8;
  const uint32_t keep = HALF ? 0xFFFFu : 0xFFFF0000u;
  for (int64_t col = 0; col < cols; ++col) {
    const uint8_t* src = row + col * x_stride;
    uint32_t* dst = out + col * out_col;
    for (int64_t c = 0; c < whole; c += 8) insert_8<HALF>(src + c, dst + c);
    // The tail lane by lane: 8 bytes from src + whole may run past the row's buffer.
    for (int64_t c = whole; c < channels; ++c) dst[c] = (dst[c] & keep) | uint32_t(src[c]) << (16 * HALF);
  }
}

}  // namespace

void dw_insert_row_c2__avx2(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                            int64_t out_col, int half) {
  if (half) insert_row<1>(channels, cols, row, x_stride, out, out_col);
  else insert_row<0>(channels, cols, row, x_stride, out, out_col);
}

void dw_insert_lanes_c2__avx2(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                              uint32_t* out, int64_t out_col) {
  const int64_t whole = channels / 8 * 8;
  for (int64_t col = 0; col < cols; ++col) {
    const uint8_t *lo = rows[0] + col * x_stride, *hi = rows[1] + col * x_stride;
    uint32_t* dst = out + col * out_col;
    for (int64_t c = 0; c < whole; c += 8) {
      const __m256i a = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(lo + c)));
      const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(hi + c)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + c), _mm256_or_si256(a, _mm256_slli_epi32(b, 16)));
    }
    for (int64_t c = whole; c < channels; ++c) dst[c] = uint32_t(lo[c]) | uint32_t(hi[c]) << 16;  // as insert_row
  }
}

void dwconv_c2__avx2(const DwRingArgs& a) {
  if (a.kw == 3 && a.groups == 2) return dw_c2_rows<3, 2>(a);
  if (a.kw == 5 && a.groups == 3) return dw_c2_rows<5, 3>(a);
  dw_c2_rows<0, 0>(a);
}

}  // namespace octet::kernels
