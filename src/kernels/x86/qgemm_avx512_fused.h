// The fused microkernel of kernels/qgemm_ukernel.h (QgemmFusedUkernelFn) on the shared AVX-512
// register tile: the epilogue's sink (requantize, dequantize, or int32), chosen once per tile
// before the k loop, takes the accumulators straight from the registers. Included only by the
// AVX-512 microkernel files, each with its own dot-product policy.
#pragma once

#include "kernels/x86/qgemm_avx512_dequant.h"
#include "kernels/x86/qgemm_avx512_requant.h"
#include "kernels/x86/qgemm_avx512_tile.h"

namespace octet::kernels::avx512 {

// The int32 output's sink: acc = C + col_term, stored (ONNX MatMulInteger).
class Int32Sink {
 public:
  Int32Sink(const EpilogueParams& p, int64_t m0, int64_t n0)
      : col_term_{_mm512_loadu_si512(p.col_term + n0), _mm512_loadu_si512(p.col_term + n0 + 16)},
        out_(static_cast<int32_t*>(p.out) + m0 * p.ldo + n0),
        ldo_(p.ldo) {}

  template <int MR>
  void put(const __m512i (&acc)[8][2]) const {
    for (int i = 0; i < MR; ++i)
      for (int h = 0; h < 2; ++h)
        _mm512_storeu_si512(out_ + i * ldo_ + 16 * h, _mm512_add_epi32(acc[i][h], col_term_[h]));
  }

 private:
  __m512i col_term_[2];
  int32_t* out_;  // row m0, column n0
  int64_t ldo_;
};

template <class Dot>
void fused_rows(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int64_t m0, int64_t n0,
                const EpilogueParams& p) {
  if (p.kind == EpilogueParams::Kind::int32) rows<Dot, 32>(mr, kp, a, a_stride, b, Int32Sink(p, m0, n0));
  else if (p.residual) rows<Dot, 32>(mr, kp, a, a_stride, b, RequantSink<true>(p, m0, n0));
  else if (p.kind != EpilogueParams::Kind::dequant_f32)
    rows<Dot, 32>(mr, kp, a, a_stride, b, RequantSink<false>(p, m0, n0));
  else if (p.row_scale) rows<Dot, 32>(mr, kp, a, a_stride, b, DequantSink<true>(p, m0, n0));
  else rows<Dot, 32>(mr, kp, a, a_stride, b, DequantSink<false>(p, m0, n0));
}

}  // namespace octet::kernels::avx512
