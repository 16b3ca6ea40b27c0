// Reductions of one contiguous strip of elements, shared by Softmax and the Reduce ops.
// The strip is folded into 16 independent partial results (one running result is a serial chain
// the compiler may not reorder for floats), and the lanes are combined in a fixed order, so the
// result depends only on the data, never on the thread count. GCC 12 does not vectorize these
// lane arrays: the hot reductions (softmax, LayerNorm, dynamic-quantization ranges) run on
// kernels/vmath.h's vector code instead.
#pragma once

#include <cstdint>

namespace octet {

// combine over i of map(x[i]), starting from `init` (the identity of combine).
template <class Acc, class T, class Map, class Combine>
Acc strip_reduce(const T* x, int64_t n, Acc init, Map map, Combine combine) {
  constexpr int kLanes = 16;
  Acc lane[kLanes];
  for (int k = 0; k < kLanes; ++k) lane[k] = init;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] = combine(lane[k], map(x[i + k]));
  for (int k = 0; i < n; ++i, ++k) lane[k] = combine(lane[k], map(x[i]));
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) lane[k] = combine(lane[k], lane[k + w]);
  return lane[0];
}

// max that propagates NaN (numpy's maximum, which the ONNX reference uses).
template <class T>
T nan_max(T a, T b) {
  return (a > b || a != a) ? a : b;
}
template <class T>
T nan_min(T a, T b) {
  return (a < b || a != a) ? a : b;
}

}  // namespace octet
