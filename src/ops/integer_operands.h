// The operands of ONNX's integer ops (MatMulInteger, ConvInteger): uint8 or int8 on either side,
// where octet's kernels take uint8 x int8. Flipping a byte's top bit (x ^ 0x80) moves its value by
// 128 (int8 -> uint8 adds 128, uint8 -> int8 bits subtract it); moving the zero point the same way
// leaves every difference x - zp, and so the exact int32 sums, unchanged.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/tensor.h"

namespace octet {

inline bool is_byte_type(DType t) { return t == DType::kUInt8 || t == DType::kInt8; }

// A byte tensor's values, each moved by 128 when `flip`.
inline std::vector<uint8_t> moved_bytes(const Tensor& t, bool flip) {
  const auto* src = static_cast<const uint8_t*>(t.raw());
  std::vector<uint8_t> out(src, src + t.numel());
  if (flip)
    for (auto& v : out) v ^= 0x80;
  return out;
}

// The activations' zero point (one value; absent: 0) for the kernels' uint8 side, moved when `flip`.
inline uint8_t moved_zero_point(const Tensor* zp, bool flip) {
  return uint8_t((zp ? static_cast<const uint8_t*>(zp->raw())[0] : 0) ^ (flip ? 0x80 : 0));
}

// The weight zero points for the kernels' int8 side: `zp` (absent: 0) moved when `flip`; a moved
// uint8 weight without zero point needs -128.
inline std::vector<int8_t> moved_weight_zero_points(const Tensor* zp, bool flip) {
  if (!zp) return flip ? std::vector<int8_t>{-128} : std::vector<int8_t>{};
  std::vector<int8_t> out;
  for (uint8_t v : moved_bytes(*zp, flip)) out.push_back(int8_t(v));
  return out;
}

}  // namespace octet
