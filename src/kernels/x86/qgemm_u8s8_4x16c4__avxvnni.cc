// u8 x s8 GEMM microkernel for AVX-VNNI (VEX vpdpbusd on ymm): 4 rows x 16 columns, k in groups
// of 4 (qgemm_4x16c4.h).
#include "kernels/x86/qgemm_4x16c4.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

__m256i dpbusd(__m256i acc, __m256i av, __m256i bv) { return _mm256_dpbusd_avx_epi32(acc, av, bv); }

}  // namespace

void qgemm_u8s8_4x16c4__avxvnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  c4x16::store(mr, kp, a, a_stride, b, c, dpbusd);
}

void qgemm_u8s8_4x16c4_fused__avxvnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                      int64_t m0, int64_t n0, const EpilogueParams& p) {
  c4x16::fused(mr, kp, a, a_stride, b, m0, n0, p, dpbusd);
}

}  // namespace octet::kernels
