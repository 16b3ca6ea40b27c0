// The copy kernels behind the data-movement ops: Transpose, Slice, Expand and Tile are all
// "read a strided view of the input into a contiguous output", Pad and nearest Resize "read
// per-axis indexed positions", so they share two fast routines that work on raw bytes (every
// dtype) and are parallel over the pool.
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

// dst (contiguous, of shape [maps[0].size(), maps[1].size(), ...]) takes, at each position,
// src[maps[0][i_0], maps[1][i_1], ...] from a contiguous src of `src_shape`, or the element at
// `fill` where any map holds -1. Serves Pad (reflect/edge/wrap/constant) and nearest Resize;
// increasing runs in the innermost map are copied with memcpy.
void indexed_copy(void* dst, const void* src, const Shape& src_shape, const std::vector<std::vector<int64_t>>& maps,
                  const void* fill, size_t elem_size, ThreadPool& pool);

}  // namespace octet
