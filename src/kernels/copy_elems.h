// The copy both builders of packed GEMM rows share (qgemm.cc's row packing, qconv.cc's
// im2col): u8 elements stored as T, u8 or zero-extended u16 (kernels/qgemm_ukernel.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace octet::kernels {

// n elements of u8 source as T (u8, or u16 zero-extended for the widening GEMM paths). A library
// memcpy call costs more than the copy for the few channels of a small convolution's pixel or
// kernel row: up to 64 bytes go as two overlapping moves of the largest power of two <= n (or a
// byte loop below 4).
template <class T>
inline void copy_elems(T* __restrict d, const uint8_t* __restrict src, int64_t n) {
  if constexpr (sizeof(T) == 1) {
    auto two_moves = [&](auto chunk) {  // [0, c) and [n - c, n), c <= n <= 2c
      constexpr int64_t c = decltype(chunk)::value;
      std::memcpy(d, src, c);
      std::memcpy(d + n - c, src + n - c, c);
    };
    if (n < 4) {
      for (int64_t i = 0; i < n; ++i) d[i] = src[i];
    } else if (n <= 8) {
      two_moves(std::integral_constant<int64_t, 4>());
    } else if (n <= 16) {
      two_moves(std::integral_constant<int64_t, 8>());
    } else if (n <= 32) {
      two_moves(std::integral_constant<int64_t, 16>());
    } else if (n <= 64) {
      two_moves(std::integral_constant<int64_t, 32>());
    } else {
      std::memcpy(d, src, n);
    }
  } else {  // 8 at a time (one 64-bit load, widened by the compiler's SSE2 unpack), then the rest
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) d[i + j] = src[i + j];
    for (; i < n; ++i) d[i] = src[i];
  }
}

}  // namespace octet::kernels
