// u8 x s8 GEMM microkernel for AVX-512BW without VNNI, for activations known to be 7-bit
// (0..127, e.g. PyTorch's reduce_range on x86): up to 8 rows x 32 columns, k in groups of 4,
// operands kept 8-bit (the VNNI layout). vpmaddubsw forms a[k] * b[k] + a[k+1] * b[k+1] in int16,
// exact because |.| <= 2 * 127 * 128 = 32512 <= 32767; vpmaddwd with ones sums the two pairs into
// int32. 3 uops per 64 multiply-adds against 4 per 64 for the exact 16-bit path (vpmaddwd +
// vpaddd, c2). With an activation >= 128 vpmaddubsw saturates and the result is WRONG: the caller
// opts in (KernelTable::qgemm_7bit), nothing here checks.
#include "kernels/x86/qgemm_avx512_fused.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

struct SevenBitMaddubs {
  static constexpr int kr = 4;
  static __m512i step(__m512i acc, __m512i a, __m512i b) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), _mm512_set1_epi16(1)));
  }
};

}  // namespace

void qgemm_u8s8_8x32c4__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                 int32_t* c) {
  avx512::rows<SevenBitMaddubs, 32>(mr, kp, a, a_stride, b, c);
}

void qgemm_u8s8_8x32c4_fused__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                       int64_t m0, int64_t n0, const EpilogueParams& p) {
  avx512::fused_rows<SevenBitMaddubs>(mr, kp, a, a_stride, b, m0, n0, p);
}

}  // namespace octet::kernels
