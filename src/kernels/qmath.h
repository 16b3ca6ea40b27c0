// The scalar arithmetic of affine quantization, written once (docs/quantization.md eqs. (1)-(5)):
// the Q/DQ ops, the observers, the passes and the reference kernels all use it, and the vector
// kernels in kernels/x86/ do the same float operations in the same order (cvtdq2ps, mulps or
// divps, maxps / minps, cvtps2dq in the default round-to-nearest-even mode), so they match it bit
// for bit. It sits in kernels/, the lowest layer that needs it.
#pragma once

#include <cstdint>
#include <limits>

namespace octet {

// Round half to even, exactly as std::nearbyint in the default rounding mode, for |v| <= 2^22.
// Adding 1.5 * 2^23 moves v into [2^23, 2^24), where the float spacing is 1, so the addition
// itself rounds to an integer (half to even); subtracting gives it back exactly. Unlike
// nearbyint this compiles to plain vector adds at the baseline ISA (roundps needs SSE4.1).
// Callers clamp first, so v is always small.
inline float round_half_even(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
}

// maxps / minps semantics: the second operand when the comparison is false (so NaN -> bound).
inline float max_ps(float v, float lo) { return v > lo ? v : lo; }
inline float min_ps(float v, float hi) { return v < hi ? v : hi; }

// Eq. (2) once v = x / s is known (or v = acc * s_x s_w / s_y, requantizing an accumulator):
// q = sat(rne(v) + z) in [qmin, qmax]. Clamping v to [qmin - z, qmax - z] before rounding gives the
// same q (rounding is monotonic and the bounds are integers) and keeps v small for
// round_half_even; NaN becomes qmin, as ONNX Runtime's x86 kernels give. 8- and 16-bit codes.
inline int32_t round_clamp(float v, int32_t zero_point, int32_t qmin, int32_t qmax) {
  v = min_ps(max_ps(v, static_cast<float>(qmin - zero_point)), static_cast<float>(qmax - zero_point));
  return static_cast<int32_t>(round_half_even(v)) + zero_point;
}

// Eq. (2): q = sat(rne(x / s) + z), with x / s computed in float as the ONNX reference does.
template <class Q>
inline Q quantize_value(float x, float scale, int32_t zero_point) {
  return static_cast<Q>(
      round_clamp(x / scale, zero_point, std::numeric_limits<Q>::min(), std::numeric_limits<Q>::max()));
}

// Eq. (1): x = s (q - z). Like the ONNX reference, q and z are converted to float before the
// subtraction (exact for 8- and 16-bit codes; int32 codes have z = 0).
template <class Q>
inline float dequantize_value(Q q, float scale, int32_t zero_point) {
  return (static_cast<float>(q) - static_cast<float>(zero_point)) * scale;
}

// Q is one of int8_t, uint8_t, int16_t, uint16_t: out[i] = quantize_value(x[i], scale, zero_point).
template <class Q>
void quantize_span(const float* x, int64_t n, float scale, int32_t zero_point, Q* out);
// Q is one of int8_t, uint8_t, int16_t, uint16_t, int32_t.
template <class Q>
void dequantize_span(const Q* q, int64_t n, float scale, int32_t zero_point, float* out);

struct MinMax {
  float min = 0, max = 0;
};
// The range of x[0..n) widened to contain 0; NaN and +-Inf are skipped (they cannot be
// represented by any finite scale). Eq. (3).
MinMax range_with_zero(const float* x, int64_t n);

struct QParams {
  float scale = 1;
  int32_t zero_point = 0;
};
// DynamicQuantizeLinear's uint8 parameters for a range that contains 0, eq. (4)-(5). A zero-width
// range gives scale 1 (ONNX Runtime's rule), never 0.
QParams dynamic_qparams_u8(MinMax range);

}  // namespace octet
