// The scalar rounding rules every epilogue and element-wise kernel follows, written once. Vector
// paths use the same float operations in the same order (cvtdq2ps, mulps, maxps/minps, cvtps2dq in
// the default round-to-nearest-even mode), so they match these bit for bit.
#pragma once

#include <cmath>
#include <cstdint>

namespace octet::kernels {

// maxps / minps semantics: the second operand when the comparison is false (so NaN -> bound).
inline float max_ps(float v, float lo) { return v > lo ? v : lo; }
inline float min_ps(float v, float hi) { return v < hi ? v : hi; }

// q = clamp(nearbyint(v) + zp, qmin, qmax). Clamping v to [qmin - zp, qmax - zp] before rounding
// is the same (the bounds are integers) and keeps the float -> int conversion in range.
inline int32_t round_clamp(float v, int32_t zp, int32_t qmin, int32_t qmax) {
  v = min_ps(max_ps(v, float(qmin - zp)), float(qmax - zp));
  return int32_t(std::nearbyint(v)) + zp;
}

// int32 add/sub/mul that wrap like the vector instructions instead of being undefined on overflow.
inline int32_t wrap_add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t wrap_mul(int32_t a, int32_t b) { return int32_t(uint32_t(a) * uint32_t(b)); }

}  // namespace octet::kernels
