// Dynamic quantization of an activation block, shared by the dynamic INT8 ops
// (ops/dynamic_quant_matmul.cc, ops/dynamic_quant_rnn.cc): a range widened to contain 0 gives
// DynamicQuantizeLinear's uint8 qparams (docs/quantization.md (3)-(5)), for the whole block or for
// each row (a token, an RNN time step). `seven_bit`: the same over 0..127 (the codes the
// vpmaddubsw GEMM path needs). +-Inf cannot set a finite scale: it is left out of the range and
// saturates. NaN is reported, not quantized.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "kernels/qmath.h"

namespace octet {

struct DynamicCodes {
  QParams q;
  int64_t nan_at = -1;  // >= 0: the flat index (in the m x k block) of a NaN; nothing quantized
};

// Codes of the m x k block a[i * lda + j] into codes[i * k + j].
DynamicCodes quantize_activations_u8(const float* a, int64_t m, int64_t k, int64_t lda, bool seven_bit, uint8_t* codes,
                                     ThreadPool& pool);

// Each row i of the m x k block its own qparams q[i], eq. (3)-(5) over that row alone; codes as
// above. Returns the flat index (in the m x k block) of a NaN, or -1.
int64_t quantize_rows_u8(const float* a, int64_t m, int64_t k, int64_t lda, uint8_t* codes, QParams* q,
                         ThreadPool& pool);

}  // namespace octet
