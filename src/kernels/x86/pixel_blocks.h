// How the x86 depthwise microkernels walk a row of output pixels: blocks of 8, each 8 independent accumulator
// chains, then the rest as one block of 1 to 7 (one chain per pixel would be bound by the add latency).
#pragma once

#include <cstdint>

namespace octet::kernels {

// block.template operator()<P>(p0) covers pixels p0 .. p0 + P - 1; P is a compile-time size so that the
// block's accumulators live in registers.
template <class Block>
inline void for_pixel_blocks(int64_t pixels, Block&& block) {
  int64_t p = 0;
  for (; p + 8 <= pixels; p += 8) block.template operator()<8>(p);
  switch (pixels - p) {
    case 7: return block.template operator()<7>(p);
    case 6: return block.template operator()<6>(p);
    case 5: return block.template operator()<5>(p);
    case 4: return block.template operator()<4>(p);
    case 3: return block.template operator()<3>(p);
    case 2: return block.template operator()<2>(p);
    case 1: return block.template operator()<1>(p);
    default: return;
  }
}

}  // namespace octet::kernels
