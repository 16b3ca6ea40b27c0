#include "ops/cast.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace octet {

namespace {

// float16 storage; arithmetic happens in float.
struct Half {
  uint16_t bits;
};

// IEEE binary32 -> binary16, round to nearest even, overflow to infinity, NaN kept quiet.
// (The magic-number method of F. Giesen, "float_to_half_fast3_rtne".)
uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (a < 0x38800000u) {  // below 2^-14: a half subnormal; adding 0.5 rounds to a multiple of 2^-24
    float v;
    std::memcpy(&v, &a, 4);
    v += 0.5f;
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return static_cast<uint16_t>(sign | (b - 0x3f000000u));
  }
  uint32_t odd = (a >> 13) & 1u;
  a += 0xc8000fffu + odd;  // rebias the exponent (127 -> 15) and round half to even
  return static_cast<uint16_t>(sign | (a >> 13));
}

template <class F>
void visit(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: return f(float{});
    case DType::kFloat64: return f(double{});
    case DType::kFloat16: return f(Half{});
    case DType::kInt8: return f(int8_t{});
    case DType::kUInt8: return f(uint8_t{});
    case DType::kInt16: return f(int16_t{});
    case DType::kUInt16: return f(uint16_t{});
    case DType::kInt32: return f(int32_t{});
    case DType::kInt64: return f(int64_t{});
    case DType::kUInt32: return f(uint32_t{});
    case DType::kUInt64: return f(uint64_t{});
    case DType::kBool: return f(bool{});
  }
}

template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half>;

// A float value truncated toward zero into integer type To, saturating; NaN -> 0.
template <class To>
To float_to_int(double v) {
  if (std::isnan(v)) return 0;
  v = std::trunc(v);
  if (v <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
  if (v >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
  return static_cast<To>(v);
}

template <class To, class From>
To convert(From v) {
  if constexpr (std::is_same_v<From, Half> || std::is_same_v<To, Half>) {
    static_assert(!std::is_same_v<From, Half>, "float16 sources are read as float");
    if constexpr (std::is_same_v<To, Half>) return Half{float_to_half(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    return float_to_int<To>(static_cast<double>(v));
  } else {
    return static_cast<To>(v);  // integer narrowing wraps modulo 2^n, as numpy's astype does
  }
}

}  // namespace

Tensor cast_tensor(const Tensor& x, DType to) {
  if (x.dtype() == to) return x;
  Tensor y(to, x.shape());
  int64_t n = x.numel();
  visit(to, [&](auto to_tag) {
    using To = decltype(to_tag);
    To* d = static_cast<To*>(y.raw());
    if (x.dtype() == DType::kFloat16) {
      for (int64_t i = 0; i < n; ++i) d[i] = convert<To>(static_cast<float>(x.as_double(i)));
      return;
    }
    visit(x.dtype(), [&](auto from_tag) {
      using From = decltype(from_tag);
      if constexpr (!std::is_same_v<From, Half>) {
        const From* s = static_cast<const From*>(x.raw());
        for (int64_t i = 0; i < n; ++i) d[i] = convert<To>(s[i]);
      }
    });
  });
  return y;
}

}  // namespace octet
