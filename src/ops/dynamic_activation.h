// Per-tensor dynamic quantization of an activation block, shared by the dynamic INT8 ops
// (ops/dynamic_quant_matmul.cc, ops/dynamic_quant_rnn.cc): the block's range widened to contain 0
// gives DynamicQuantizeLinear's uint8 qparams (docs/quantization.md (3)-(5)), or with
// `seven_bit` the same over 0..127 (the codes the vpmaddubsw GEMM path needs). +-Inf cannot set a
// finite scale: it is left out of the range and saturates. NaN is reported, not quantized.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "quant/qmath.h"

namespace octet {

struct DynamicCodes {
  QParams q;
  int64_t nan_at = -1;  // >= 0: the flat index (in the m x k block) of a NaN; nothing quantized
};

// Codes of the m x k block a[i * lda + j] into codes[i * k + j].
DynamicCodes quantize_activations_u8(const float* a, int64_t m, int64_t k, int64_t lda, bool seven_bit, uint8_t* codes,
                                     ThreadPool& pool);

}  // namespace octet
