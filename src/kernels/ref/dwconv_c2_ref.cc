#include "kernels/ref/dwconv_c2_ref.h"

namespace octet::kernels {

void dw_insert_row_c2__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                           int64_t out_col, int half) {
  const uint32_t keep = ~(0xFFFFu << (16 * half));
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t c = 0; c < channels; ++c) {
      uint32_t& lane = out[col * out_col + c];
      lane = (lane & keep) | uint32_t(row[col * x_stride + c]) << (16 * half);
    }
}

void dw_insert_lanes_c2__ref(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                             uint32_t* out, int64_t out_col) {
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t c = 0; c < channels; ++c)
      out[col * out_col + c] = uint32_t(rows[0][col * x_stride + c]) | uint32_t(rows[1][col * x_stride + c]) << 16;
}

void dwconv_c2__ref(const DwRingArgs& a) {
  for (int64_t p = 0; p < a.pixels; ++p)
    for (int64_t c = 0; c < a.channels; ++c) {
      int32_t s = 0;
      for (int64_t kx = 0; kx < a.kw; ++kx)
        for (int64_t g = 0; g < a.groups; ++g) {
          const uint32_t x = a.ib[g * a.ib_group + (p * a.stride + kx * a.dil) * a.ib_col + c];
          const uint32_t w = a.w[(kx * a.groups + g) * a.w_tap + c];
          for (int j = 0; j < 2; ++j) s += int32_t(int16_t(uint16_t(x >> (16 * j)))) * int16_t(uint16_t(w >> (16 * j)));
        }
      a.acc[p * a.ld + c] = s;
    }
}

}  // namespace octet::kernels
