// The copy kernel behind the data-movement ops: Transpose, Slice, Expand and Tile are all
// "read a strided view of the input into a contiguous output", so they share one fast routine
// that works on raw bytes (every dtype) and is parallel over the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "octet/tensor.h"

namespace octet {

// dst[i_0, ..., i_{r-1}] (contiguous, of `shape`) = src[sum_k i_k * src_strides[k]], where strides
// count elements of `elem_size` bytes and may be zero (broadcast) or negative (reversed).
// Contiguous runs are copied with memcpy; a view whose innermost source dim is not contiguous but
// another one is (a transpose) is copied in cache-sized 2-D blocks.
void strided_copy(void* dst, const void* src, const Shape& shape, const std::vector<int64_t>& src_strides,
                  size_t elem_size, ThreadPool& pool);

}  // namespace octet
