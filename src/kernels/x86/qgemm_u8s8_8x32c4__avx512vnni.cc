// u8 x s8 GEMM microkernels for AVX512-VNNI: up to 8 rows x 32 (or 16, for narrow outputs)
// columns, k in groups of 4. vpdpbusd adds a[k..k+3] . b[k..k+3] to each 32-bit lane without
// intermediate saturation, so the operands stay 8-bit and one instruction does 64 multiply-adds.
// On Zen 5 (two vpdpbusd zmm per cycle) the 8 x 32 tile sustains about 90 % of that rate on large
// GEMMs (bench/RESULTS.md, kernel-gemm).
#include "kernels/x86/qgemm_avx512_fused.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

struct Dpbusd {
  static constexpr int kr = 4;
  static __m512i step(__m512i acc, __m512i a, __m512i b) { return _mm512_dpbusd_epi32(acc, a, b); }
};

}  // namespace

void qgemm_u8s8_8x32c4__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int32_t* c) {
  avx512::rows<Dpbusd, 32>(mr, kp, a, a_stride, b, c);
}

void qgemm_u8s8_8x32c4_fused__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                         int64_t m0, int64_t n0, const EpilogueParams& p) {
  avx512::fused_rows<Dpbusd>(mr, kp, a, a_stride, b, m0, n0, p);
}

void qgemm_u8s8_8x16c4__avx512vnni(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                   int32_t* c) {
  avx512::rows<Dpbusd, 16>(mr, kp, a, a_stride, b, c);
}

}  // namespace octet::kernels
