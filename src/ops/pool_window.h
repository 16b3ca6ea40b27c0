// The window walk of the float and INT8 pools (ops/pool.cc), shared with their backward passes
// (train/backward_pool.cc) so both visit the same taps in the same order: 1-D, 2-D and 3-D inputs
// [N, C, spatial...] padded to three spatial dims.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"
#include "ops/window.h"

namespace octet {

// The spatial dims of `x`, padded with 1s to three so one loop nest serves 1-D, 2-D and 3-D.
struct Planes {
  int64_t planes = 0;       // N * C
  std::vector<int64_t> in;  // spatial dims as given
  int64_t d[3] = {1, 1, 1};
  int64_t size = 1;
};

// octet::Error naming the node unless x is [N, C, d1 (, d2 (, d3))].
Planes planes_of(const Node& node, const Tensor& x);

// Window geometry padded to three spatial dims (k = 1, s = 1, no pads in the extra ones).
struct Win3 {
  int64_t k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, dil[3] = {1, 1, 1}, pb[3] = {0, 0, 0}, pe[3] = {0, 0, 0},
          out[3] = {1, 1, 1};
  int64_t out_size = 1;
};

// The window of pool `node` (kernel_shape, strides, pads, dilations, auto_pad, ceil_mode) over p.
Win3 window3(const Node& node, const Planes& p);
// [N, C, out...]
Shape pooled_shape(const Tensor& x, const Win3& w);

// Calls fn(out_index, taps) for every output position of one plane, where taps lists the
// in-bounds input offsets of its window and `count_padded` the window size clipped to the padded
// input (AveragePool's count_include_pad divisor).
template <class Fn>
void for_each_window(const Planes& p, const Win3& w, Fn fn) {
  std::vector<int64_t> taps;
  int64_t o = 0;
  for (int64_t o0 = 0; o0 < w.out[0]; ++o0)
    for (int64_t o1 = 0; o1 < w.out[1]; ++o1)
      for (int64_t o2 = 0; o2 < w.out[2]; ++o2, ++o) {
        taps.clear();
        int64_t padded = 1;
        const int64_t start[3] = {o0 * w.s[0] - w.pb[0], o1 * w.s[1] - w.pb[1], o2 * w.s[2] - w.pb[2]};
        for (int d = 0; d < 3; ++d) {
          int64_t n = 0;
          for (int64_t k = 0; k < w.k[d]; ++k) {
            int64_t i = start[d] + k * w.dil[d];
            n += i < p.d[d] + w.pe[d];
          }
          padded *= n;
        }
        for (int64_t k0 = 0; k0 < w.k[0]; ++k0) {
          int64_t i0 = start[0] + k0 * w.dil[0];
          if (i0 < 0 || i0 >= p.d[0]) continue;
          for (int64_t k1 = 0; k1 < w.k[1]; ++k1) {
            int64_t i1 = start[1] + k1 * w.dil[1];
            if (i1 < 0 || i1 >= p.d[1]) continue;
            for (int64_t k2 = 0; k2 < w.k[2]; ++k2) {
              int64_t i2 = start[2] + k2 * w.dil[2];
              if (i2 < 0 || i2 >= p.d[2]) continue;
              taps.push_back((i0 * p.d[1] + i1) * p.d[2] + i2);
            }
          }
        }
        fn(o, taps, padded);
      }
}

}  // namespace octet
