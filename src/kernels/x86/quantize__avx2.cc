// QuantizeLinear / DequantizeLinear on ymm, 8 values at a time: the same float operations as
// kernels/ref/qelementwise_ref.cc (divps, maxps/minps, cvtps2dq in round-to-nearest-even), so the
// results match it bit for bit. AVX2 has no masked byte loads and stores; the last n % 8 values
// go through the reference itself.
#include <immintrin.h>

#include <type_traits>

#include "kernels/ref/qelementwise_ref.h"
#include "kernels/x86/quantize_kernels.h"

namespace octet::kernels {
namespace {

// Rounded, clamped integers of x / scale + zp for 8 lanes (bounds given relative to zp), narrowed
// to 8 bytes in order; the values are in the output type's range already, so the saturating
// packs change nothing.
template <class T>
void quantize8(const float* x, __m256 scale, __m256 lo, __m256 hi, __m256i zp, T* y) {
  __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_div_ps(_mm256_loadu_ps(x), scale), lo), hi);
  __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(v), zp);
  __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  __m128i b = std::is_same_v<T, uint8_t> ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), b);
}

template <class T>
void quantize(int64_t n, const float* x, float scale, int32_t zp, T* y) {
  constexpr int32_t qmin = std::is_same_v<T, uint8_t> ? 0 : -128, qmax = qmin + 255;
  const __m256 s = _mm256_set1_ps(scale), lo = _mm256_set1_ps(float(qmin - zp)), hi = _mm256_set1_ps(float(qmax - zp));
  const __m256i z = _mm256_set1_epi32(zp);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) quantize8(x + i, s, lo, hi, z, y + i);
  quantize_f32__ref<T>(n - i, x + i, scale, zp, y + i);
}

template <class T>
void dequantize(int64_t n, const T* x, float scale, int32_t zp, float* y) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256i z = _mm256_set1_epi32(zp);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i));
    __m256i q = std::is_same_v<T, uint8_t> ? _mm256_cvtepu8_epi32(bytes) : _mm256_cvtepi8_epi32(bytes);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, z)), s));
  }
  dequantize_f32__ref<T>(n - i, x + i, scale, zp, y + i);
}

}  // namespace

void quantize_f32_u8__avx2(int64_t n, const float* x, float scale, int32_t zp, uint8_t* y) {
  quantize(n, x, scale, zp, y);
}
void quantize_f32_s8__avx2(int64_t n, const float* x, float scale, int32_t zp, int8_t* y) {
  quantize(n, x, scale, zp, y);
}
void dequantize_u8_f32__avx2(int64_t n, const uint8_t* x, float scale, int32_t zp, float* y) {
  dequantize(n, x, scale, zp, y);
}
void dequantize_s8_f32__avx2(int64_t n, const int8_t* x, float scale, int32_t zp, float* y) {
  dequantize(n, x, scale, zp, y);
}

}  // namespace octet::kernels
