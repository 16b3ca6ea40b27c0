#include "ops/strided_copy.h"

#include <algorithm>
#include <cstring>

#include "ops/op_args.h"

namespace octet {

namespace {

// Transpose tile edge: a 32x32 tile of 8-byte elements is 8 KiB, two tiles fit in L1.
constexpr int64_t kBlock = 32;

// Runs f(T{}) with the unsigned integer type of `elem_size` bytes: copying needs only the width.
template <class F>
void with_word(size_t elem_size, F&& f) {
  switch (elem_size) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    case 8: return f(uint64_t{});
    default: fail("strided_copy: unsupported element size ", elem_size);
  }
}

// Drops size-1 dims and merges neighbours that are contiguous with each other in the source (the
// destination is contiguous, so they are there too): fewer, longer loops.
void coalesce(const Shape& shape, const std::vector<int64_t>& strides, Shape& out_shape,
              std::vector<int64_t>& out_strides) {
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!out_shape.empty() && out_strides.back() == strides[k] * shape[k]) {
      out_shape.back() *= shape[k];
      out_strides.back() = strides[k];
    } else {
      out_shape.push_back(shape[k]);
      out_strides.push_back(strides[k]);
    }
  }
}

// Source offset of the row with linear index `row` over dims [0, n).
int64_t row_offset(const Shape& shape, const std::vector<int64_t>& strides, size_t n, int64_t row) {
  int64_t off = 0;
  for (size_t k = n; k-- > 0;) {
    off += (row % shape[k]) * strides[k];
    row /= shape[k];
  }
  return off;
}

void copy_row(uint8_t* d, const uint8_t* s, int64_t n, int64_t stride, size_t elem) {
  if (stride == 1) {
    std::memcpy(d, s, static_cast<size_t>(n) * elem);
    return;
  }
  with_word(elem, [&](auto w) {
    using T = decltype(w);
    T* dt = reinterpret_cast<T*>(d);
    const T* st = reinterpret_cast<const T*>(s);
    if (stride == 0) {
      std::fill(dt, dt + n, *st);
    } else {
      for (int64_t i = 0; i < n; ++i) dt[i] = st[i * stride];
    }
  });
}

void copy_rows(uint8_t* dst, const uint8_t* src, const Shape& shape, const std::vector<int64_t>& strides, size_t elem,
               ThreadPool& pool) {
  size_t r = shape.size();
  int64_t inner = shape[r - 1], inner_stride = strides[r - 1];
  int64_t rows = shape_numel(shape) / inner;
  int64_t grain = grain_for_bytes(inner * static_cast<int64_t>(elem));
  pool.parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> idx(r - 1);
    int64_t rem = begin, off = 0;
    for (size_t k = r - 1; k-- > 0;) {
      idx[k] = rem % shape[k];
      rem /= shape[k];
      off += idx[k] * strides[k];
    }
    uint8_t* d = dst + begin * inner * elem;
    for (int64_t row = begin; row < end; ++row, d += inner * elem) {
      copy_row(d, src + off * static_cast<int64_t>(elem), inner, inner_stride, elem);
      for (size_t k = r - 1; k-- > 0;) {  // odometer step over the outer dims
        off += strides[k];
        if (++idx[k] < shape[k]) break;
        off -= strides[k] * shape[k];
        idx[k] = 0;
      }
    }
  });
}

// The source is contiguous along dim `t` and strided along the innermost dim: for every index of
// the other dims, a 2-D transpose of a [shape[t], inner] plane, in kBlock x kBlock tiles so that
// both the reads and the writes stay in cache.
void copy_transposed(uint8_t* dst, const uint8_t* src, const Shape& shape, const std::vector<int64_t>& strides,
                     size_t t, size_t elem, ThreadPool& pool) {
  size_t r = shape.size();
  std::vector<int64_t> dst_strides = contiguous_strides(shape);
  Shape outer_shape;
  std::vector<int64_t> outer_src, outer_dst;
  for (size_t k = 0; k + 1 < r; ++k) {
    if (k == t) continue;
    outer_shape.push_back(shape[k]);
    outer_src.push_back(strides[k]);
    outer_dst.push_back(dst_strides[k]);
  }
  int64_t rows = shape[t], cols = shape[r - 1], col_stride = strides[r - 1], row_pitch = dst_strides[t];
  int64_t row_blocks = (rows + kBlock - 1) / kBlock;
  int64_t tasks = shape_numel(outer_shape) * row_blocks;
  int64_t grain = grain_for_bytes(kBlock * cols * static_cast<int64_t>(elem));
  with_word(elem, [&](auto w) {
    using T = decltype(w);
    T* d = reinterpret_cast<T*>(dst);
    const T* s = reinterpret_cast<const T*>(src);
    pool.parallel_for(tasks, grain, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        int64_t plane = task / row_blocks, a0 = task % row_blocks * kBlock, a1 = std::min(rows, a0 + kBlock);
        const T* sp = s + row_offset(outer_shape, outer_src, outer_shape.size(), plane);
        T* dp = d + row_offset(outer_shape, outer_dst, outer_shape.size(), plane);
        for (int64_t b0 = 0; b0 < cols; b0 += kBlock) {
          int64_t b1 = std::min(cols, b0 + kBlock);
          for (int64_t b = b0; b < b1; ++b)
            for (int64_t a = a0; a < a1; ++a) dp[a * row_pitch + b] = sp[a + b * col_stride];
        }
      }
    });
  });
}

}  // namespace

void strided_copy(void* dst, const void* src, const Shape& shape, const std::vector<int64_t>& src_strides,
                  size_t elem_size, ThreadPool& pool) {
  if (shape_numel(shape) == 0) return;
  Shape cs;
  std::vector<int64_t> st;
  coalesce(shape, src_strides, cs, st);
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  if (cs.empty()) {
    std::memcpy(d, s, elem_size);
    return;
  }
  size_t r = cs.size();
  if (st[r - 1] != 1 && st[r - 1] != 0 && cs[r - 1] >= kBlock / 4) {
    for (size_t t = r - 1; t-- > 0;)
      if (st[t] == 1 && cs[t] >= kBlock / 4) return copy_transposed(d, s, cs, st, t, elem_size, pool);
  }
  copy_rows(d, s, cs, st, elem_size, pool);
}

void indexed_copy(void* dst, const void* src, const Shape& src_shape, const std::vector<std::vector<int64_t>>& maps,
                  const void* fill, size_t elem_size, ThreadPool& pool) {
  size_t r = maps.size();
  if (r == 0) {
    std::memcpy(dst, src, elem_size);
    return;
  }
  Shape shape(r);
  for (size_t k = 0; k < r; ++k) shape[k] = static_cast<int64_t>(maps[k].size());
  int64_t inner = shape[r - 1], total = shape_numel(shape);
  if (total == 0) return;
  int64_t elem = static_cast<int64_t>(elem_size);
  const std::vector<int64_t>& inner_map = maps[r - 1];
  std::vector<int64_t> run(inner);  // length of the source-contiguous run starting at each column
  for (int64_t i = inner; i-- > 0;)
    run[i] = inner_map[i] < 0 ? 0 : (i + 1 < inner && inner_map[i + 1] == inner_map[i] + 1 ? run[i + 1] + 1 : 1);
  std::vector<uint8_t> fill_row(inner * elem_size);
  for (int64_t i = 0; i < inner; ++i) std::memcpy(&fill_row[i * elem], fill, elem_size);
  std::vector<int64_t> strides = contiguous_strides(src_shape);
  const auto* s = static_cast<const uint8_t*>(src);
  auto* d = static_cast<uint8_t*>(dst);
  pool.parallel_for(total / inner, grain_for_bytes(inner * elem), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      uint8_t* out = d + row * inner * elem;
      int64_t rem = row, off = 0;
      bool filled = false;
      for (size_t k = r - 1; k-- > 0;) {
        int64_t m = maps[k][rem % shape[k]];
        rem /= shape[k];
        filled |= m < 0;
        off += m * strides[k];
      }
      if (filled) {
        std::memcpy(out, fill_row.data(), inner * elem);
        continue;
      }
      const uint8_t* in = s + off * elem;
      for (int64_t i = 0; i < inner;) {
        int64_t n = std::max<int64_t>(run[i], 1);
        std::memcpy(out + i * elem, run[i] ? in + inner_map[i] * elem : fill_row.data(), n * elem);
        i += n;
      }
    }
  });
}

}  // namespace octet
