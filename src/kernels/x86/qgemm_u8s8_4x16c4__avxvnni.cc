// u8 x s8 GEMM microkernel for AVX-VNNI (VEX vpdpbusd on ymm): 4 rows x 16 columns, k in groups
// of 4 (qgemm_4x16c4.h).
#include "kernels/x86/qgemm_4x16c4.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_u8s8_4x16c4__avxvnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  qgemm_u8s8_4x16c4(mr, kp, a, a_stride, b, c,
                    [](__m256i acc, __m256i av, __m256i bv) { return _mm256_dpbusd_avx_epi32(acc, av, bv); });
}

}  // namespace octet::kernels
