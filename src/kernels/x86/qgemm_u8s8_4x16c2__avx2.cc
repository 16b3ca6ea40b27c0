// u8 x s8 GEMM microkernel for AVX2 without VNNI: 4 rows x 16 columns, k in pairs. Exact for the
// same reason as qgemm_u8s8_8x32c2__avx512bw.cc: operands widened to 16 bits, then vpmaddwd.
// The plain kernel stores the int32 tile (kernels/qgemm_ukernel.h); the fused one applies the
// epilogue straight from the registers (qgemm_avx2_epilogue.h), which saves the tile's store and
// reload: most of the time of a small-K GEMM (a 1x1 convolution of 16 channels).
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

constexpr int MR = 4;

void accumulate(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, __m256i (&acc)[MR][2]) {
  const uint8_t* rows[MR];
  for (int i = 0; i < MR; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const auto* bp = static_cast<const int16_t*>(b);
  for (int64_t g = 0; g < kp / 2; ++g, bp += 32) {
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 16));
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      int32_t pair;
      std::memcpy(&pair, rows[i] + 4 * g, 4);
      __m256i av = _mm256_set1_epi32(pair);
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, b0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, b1));
    }
  }
}

}  // namespace

void qgemm_u8s8_4x16c2__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  __m256i acc[MR][2];
  accumulate(mr, kp, a, a_stride, b, acc);
  for (int i = 0; i < mr; ++i) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16 + 8), acc[i][1]);
  }
}

void qgemm_u8s8_4x16c2_fused__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int64_t m0, int64_t n0, const EpilogueParams& p) {
  __m256i acc[MR][2];
  accumulate(mr, kp, a, a_stride, b, acc);
  avx2::put_tile(p, acc, mr, m0, n0);
}

}  // namespace octet::kernels
