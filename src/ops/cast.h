// Element type conversion shared by Cast, CastLike-style uses (Pad's constant value) and
// ConstantOfShape: every octet dtype to every other, following ONNX Cast semantics.
#pragma once

#include "octet/tensor.h"

namespace octet {

// `x` converted to `to`: float -> integer truncates toward zero (values outside the target range
// saturate and NaN becomes 0, where C++ would be undefined), anything -> bool is "!= 0",
// float32 -> float16 rounds to nearest even. Same dtype returns `x` itself (shared storage).
Tensor cast_tensor(const Tensor& x, DType to);

}  // namespace octet
