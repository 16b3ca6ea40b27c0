// u8 x s8 GEMM microkernels for AVX-512BW without VNNI: up to 8 rows x 32 (or 16, for narrow
// outputs) columns, k in pairs.
// vpmaddubsw would saturate (255 * 127 * 2 > 32767), so both operands are widened at packing time
// (A zero-extended to u16, B sign-extended to s16) and vpmaddwd multiplies exactly: each 32-bit
// lane gets a[k] * b[k] + a[k+1] * b[k+1], |.| <= 2 * 255 * 128, which cannot overflow.
#include "kernels/x86/qgemm_avx512_fused.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {
namespace {

struct WideningMadd {
  static constexpr int kr = 2;
  static __m512i step(__m512i acc, __m512i a, __m512i b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
};

}  // namespace

void qgemm_u8s8_8x32c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                 int32_t* c) {
  avx512::rows<WideningMadd, 32>(mr, kp, a, a_stride, b, c);
}

void qgemm_u8s8_8x32c2_fused__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                       int64_t m0, int64_t n0, const EpilogueParams& p) {
  avx512::fused_rows<WideningMadd>(mr, kp, a, a_stride, b, m0, n0, p);
}

void qgemm_u8s8_8x16c2__avx512bw(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b,
                                 int32_t* c) {
  avx512::rows<WideningMadd, 16>(mr, kp, a, a_stride, b, c);
}

}  // namespace octet::kernels
