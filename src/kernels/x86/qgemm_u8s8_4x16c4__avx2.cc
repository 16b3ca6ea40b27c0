// u8 x s8 GEMM microkernel for AVX2 when one operand is 7-bit: 4 rows x 16 columns, k in groups of
// 4 (qgemm_4x16c4.h). vpmaddubsw adds two u8 x s8 products into an int16, which saturates for
// 8-bit operands (2 * 255 * -128) but not when the activations are 0..127 (|2 * 127 * -128| =
// 32512) or the weights -64..64 (|2 * 255 * 64| = 32640), both <= 32767: the sums are exact, and
// vpmaddwd by ones then adds the int16 pairs into the int32 lanes. Twice the products per
// multiply of the c2 kernel, which widens to int16 first.
#include "kernels/x86/qgemm_4x16c4.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

struct MaddubsDot {
  __m256i ones = _mm256_set1_epi16(1);
  __m256i operator()(__m256i acc, __m256i av, __m256i bv) const {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(av, bv), ones));
  }
};

}  // namespace

void qgemm_u8s8_4x16c4__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  c4x16::store(mr, kp, a, a_stride, b, c, MaddubsDot{});
}

void qgemm_u8s8_4x16c4_fused__avx2(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int64_t m0, int64_t n0, const EpilogueParams& p) {
  c4x16::fused(mr, kp, a, a_stride, b, m0, n0, p, MaddubsDot{});
}

}  // namespace octet::kernels
