// Cosine similarity of two tensors' elements: how the accuracy tools compare a quantized model's
// outputs with the float model's (debug/model_metric.cc, passes/output_cosine.h).
#pragma once

#include <cstdint>

#include "octet/tensor.h"

namespace octet {

// cos(a, b) over the flat elements [begin, end) of both (any dtype, read as double). Two zero
// vectors are identical (1); one zero vector against a nonzero one is 0.
double cosine(const Tensor& a, const Tensor& b, int64_t begin, int64_t end);

}  // namespace octet
