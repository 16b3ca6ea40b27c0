// u8 x s8 GEMM microkernel for AVX2 with 7-bit activations (0..127, reduce_range): 4 rows x 16
// columns, k in groups of 4 (qgemm_4x16c4.h). vpmaddubsw adds two u8 x s8 products into an int16,
// which saturates for 8-bit codes (255 * -128 * 2) but not for 7-bit ones: |127 * -128 * 2| = 32512
// <= 32767, so the sums are exact; vpmaddwd by ones then adds the int16 pairs into the int32
// lanes. Twice the products per instruction of the c2 kernel, which widens to int16 first.
#include "kernels/x86/qgemm_4x16c4.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_u8s8_4x16c4__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  const __m256i ones = _mm256_set1_epi16(1);
  qgemm_u8s8_4x16c4(mr, kp, a, a_stride, b, c, [ones](__m256i acc, __m256i av, __m256i bv) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(av, bv), ones));
  });
}

}  // namespace octet::kernels
