// The fused microkernel of kernels/qgemm_ukernel.h (QgemmFusedUkernelFn) on the shared AVX-512
// register tile: the epilogue's sink, chosen once per tile before the k loop, takes the
// accumulators straight from the registers. Included only by the AVX-512 microkernel files, each
// with its own dot-product policy.
#pragma once

#include "kernels/x86/qgemm_avx512_dequant.h"
#include "kernels/x86/qgemm_avx512_requant.h"
#include "kernels/x86/qgemm_avx512_tile.h"

namespace octet::kernels::avx512 {

template <class Dot>
void fused_rows(int64_t mr, int64_t kp, const uint8_t* a, int64_t a_stride, const void* b, int64_t m0, int64_t n0,
                const EpilogueParams& p) {
  if (p.kind != EpilogueParams::Kind::dequant_f32) rows<Dot, 32>(mr, kp, a, a_stride, b, RequantSink(p, m0, n0));
  else if (p.row_scale) rows<Dot, 32>(mr, kp, a, a_stride, b, DequantSink<true>(p, m0, n0));
  else rows<Dot, 32>(mr, kp, a, a_stride, b, DequantSink<false>(p, m0, n0));
}

}  // namespace octet::kernels::avx512
