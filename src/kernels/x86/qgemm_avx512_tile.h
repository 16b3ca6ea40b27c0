// The register tile every AVX-512 GEMM microkernel shares (qgemm_u8s8_*__avx512bw.cc,
// qgemm_u8s8_*__avx512vnni.cc): MR rows (1..8) x NR columns (16 or 32: one or two zmm), one
// 32-bit broadcast of A per row and k-group, one zmm of B per 16 columns and k-group. Every
// packed layout these paths use has 4 bytes of A and 64 bytes of B per 16 columns in a k-group
// (kr = 2 of 16-bit values or kr = 4 of 8-bit ones: kernels/qgemm_ukernel.h), so only the
// dot-product step differs, and it is the `Dot` policy:
//   static __m512i Dot::step(__m512i acc, __m512i a_broadcast, __m512i b);   // Dot::kr k values
// What happens to the finished accumulators is the `Sink` policy:
//   template <int MR> void Sink::put(const __m512i (&acc)[8][NR / 16]) const;   // rows 0..MR-1
// StoreInt32 (the contract of kernels/qgemm_ukernel.h), RequantSink (qgemm_avx512_requant.h),
// DequantSink (qgemm_avx512_dequant.h) or Int32Sink (qgemm_avx512_fused.h).
// Included only by files compiled with AVX-512 flags; each includes it with its own policy type
// (declared in its anonymous namespace), so the instantiations never mix ISAs.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace octet::kernels::avx512 {

// MR rows exactly: a GEMV (M = 1) or a short last tile does 1/MR of the full tile's work, not all
// of it. Named accumulators, not an array: GCC keeps a __m512i array partly in memory and adds
// register copies to the inner loop (measured: ~1.5x slower).
template <class Dot, int MR, int NR, class Sink>
void tile(int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, const Sink& sink) {
  static_assert(NR == 16 || NR == 32);
#define OCTET_ACC(i) __m512i c##i##0 = _mm512_setzero_si512(), c##i##1 = _mm512_setzero_si512()
  OCTET_ACC(0);
  OCTET_ACC(1);
  OCTET_ACC(2);
  OCTET_ACC(3);
  OCTET_ACC(4);
  OCTET_ACC(5);
  OCTET_ACC(6);
  OCTET_ACC(7);
#undef OCTET_ACC
  const auto* bp = static_cast<const int8_t*>(b);
  for (int64_t g = 0; g < kp / Dot::kr; ++g, bp += 4 * NR) {
    const __m512i b0 = _mm512_loadu_si512(bp), b1 = NR == 32 ? _mm512_loadu_si512(bp + 64) : b0;
#define OCTET_ROW(i)                                              \
  if constexpr (i < MR) {                                         \
    int32_t group;                                                \
    std::memcpy(&group, a + i * a_stride + 4 * g, 4);             \
    const __m512i av = _mm512_set1_epi32(group);                  \
    c##i##0 = Dot::step(c##i##0, av, b0);                         \
    if constexpr (NR == 32) c##i##1 = Dot::step(c##i##1, av, b1); \
  }
    OCTET_ROW(0) OCTET_ROW(1) OCTET_ROW(2) OCTET_ROW(3) OCTET_ROW(4) OCTET_ROW(5) OCTET_ROW(6) OCTET_ROW(7)
#undef OCTET_ROW
  }
  if constexpr (NR == 32) {
    const __m512i acc[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                               {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
    sink.template put<MR>(acc);
  } else {
    const __m512i acc[8][1] = {{c00}, {c10}, {c20}, {c30}, {c40}, {c50}, {c60}, {c70}};
    sink.template put<MR>(acc);
  }
}

// The int32 tile of kernels/qgemm_ukernel.h: C[i][n] with row stride NR.
template <int NR>
struct StoreInt32 {
  int32_t* c;
  template <int MR>
  void put(const __m512i (&acc)[8][NR / 16]) const {
    for (int i = 0; i < MR; ++i)
      for (int h = 0; h < NR / 16; ++h) _mm512_storeu_si512(c + i * NR + 16 * h, acc[i][h]);
  }
};

// One tile of 1 <= mr <= 8 rows.
template <class Dot, int NR, class Sink>
void rows(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, const Sink& sink) {
  switch (mr) {
    case 1: return tile<Dot, 1, NR>(kp, a, a_stride, b, sink);
    case 2: return tile<Dot, 2, NR>(kp, a, a_stride, b, sink);
    case 3: return tile<Dot, 3, NR>(kp, a, a_stride, b, sink);
    case 4: return tile<Dot, 4, NR>(kp, a, a_stride, b, sink);
    case 5: return tile<Dot, 5, NR>(kp, a, a_stride, b, sink);
    case 6: return tile<Dot, 6, NR>(kp, a, a_stride, b, sink);
    case 7: return tile<Dot, 7, NR>(kp, a, a_stride, b, sink);
    default: return tile<Dot, 8, NR>(kp, a, a_stride, b, sink);
  }
}

// The microkernel contract of kernels/qgemm_ukernel.h.
template <class Dot, int NR>
void rows(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int32_t* c) {
  rows<Dot, NR>(mr, kp, a, a_stride, b, StoreInt32<NR>{c});
}

}  // namespace octet::kernels::avx512
