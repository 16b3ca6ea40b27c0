#include "kernels/ref/dwconv_ring_ref.h"

namespace octet::kernels {
namespace {

// Part j of a lane in the format with R rows per lane: c4's bytes unsigned (the input) or signed (the weights),
// c2's halves int16 both (vpmaddwd's reading).
template <int R, bool Signed>
int32_t part(uint32_t lane, int j) {
  const uint32_t bits = lane >> (32 / R * j);
  if constexpr (R == kDwC2Rows) return int16_t(uint16_t(bits));
  else return Signed ? int32_t(int8_t(uint8_t(bits))) : int32_t(uint8_t(bits));
}

template <int R>
void insert_row(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out, int64_t out_col,
                int j) {
  const int bits = 32 / R;
  const uint32_t keep = ~(((1u << bits) - 1) << (bits * j));
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t c = 0; c < channels; ++c) {
      uint32_t& lane = out[col * out_col + c];
      lane = (lane & keep) | uint32_t(row[col * x_stride + c]) << (bits * j);
    }
}

template <int R>
void conv(const DwRingArgs& a) {
  for (int64_t p = 0; p < a.pixels; ++p)
    for (int64_t c = 0; c < a.channels; ++c) {
      int32_t s = 0;
      for (int64_t kx = 0; kx < a.kw; ++kx)
        for (int64_t g = 0; g < a.groups; ++g) {
          const uint32_t x = a.ib[g * a.ib_group + (p * a.stride + kx * a.dil) * a.ib_col + c];
          const uint32_t w = a.w[(kx * a.groups + g) * a.w_tap + c];
          for (int j = 0; j < R; ++j) s += part<R, false>(x, j) * part<R, true>(w, j);
        }
      a.acc[p * a.ld + c] = s;
    }
}

}  // namespace

void dw_insert_row__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                        int64_t out_col, int byte) {
  insert_row<kDwC4Rows>(channels, cols, row, x_stride, out, out_col, byte);
}

void dwconv_c4__ref(const DwRingArgs& a) { conv<kDwC4Rows>(a); }

void dw_insert_row_c2__ref(int64_t channels, int64_t cols, const uint8_t* row, int64_t x_stride, uint32_t* out,
                           int64_t out_col, int half) {
  insert_row<kDwC2Rows>(channels, cols, row, x_stride, out, out_col, half);
}

void dw_insert_lanes_c2__ref(int64_t channels, int64_t cols, const uint8_t* const* rows, int64_t x_stride,
                             uint32_t* out, int64_t out_col) {
  for (int j = 0; j < kDwC2Rows; ++j) insert_row<kDwC2Rows>(channels, cols, rows[j], x_stride, out, out_col, j);
}

void dwconv_c2__ref(const DwRingArgs& a) { conv<kDwC2Rows>(a); }

}  // namespace octet::kernels
