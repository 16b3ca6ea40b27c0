// Int8Lookup with AVX-512 VBMI: vpermi2b picks 64 bytes from 128 table entries by the low 7
// bits of each code, one for each half of the table, and bit 7 selects the half. Two permutes and
// a blend per 64 codes. Contract: kernels/ref/qelementwise_ref.h (y = table[x]).
#include <immintrin.h>

#include "kernels/x86/quantize_kernels.h"

// GCC 12 warns inside its own masked-load intrinsics (_mm512_undefined_* self-initialises).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace octet::kernels {

void lookup_u8__avx512vbmi(int64_t n, const uint8_t* x, const uint8_t* table, uint8_t* y) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 k = n - i >= 64 ? ~__mmask64(0) : (__mmask64(1) << (n - i)) - 1;
    const __m512i v = _mm512_maskz_loadu_epi8(k, x + i);
    const __m512i low = _mm512_permutex2var_epi8(t0, v, t1), high = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, k, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high));
  }
}

}  // namespace octet::kernels
