// Argument helpers for ops whose parameters moved between attributes and inputs across opsets
// (Squeeze, Unsqueeze, Split, Slice, Pad, ...): one place that normalizes axes and reads int lists,
// with errors that name the node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/registry.h"

namespace octet {

// `axis` in [-rank, rank) mapped to [0, rank); octet::Error naming the node otherwise.
int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank);
// Normalizes every axis; duplicates are an error.
std::vector<int64_t> normalize_axes(const Node& node, std::vector<int64_t> axes, int64_t rank);

// Input `i` as int64 values (int32 or int64 tensors); std::nullopt when the input is omitted.
std::optional<std::vector<int64_t>> int_list_input(const KernelContext& ctx, size_t i);

// The list from attribute `key` for opsets below `input_since`, else from input `i`.
std::optional<std::vector<int64_t>> int_list_arg(const KernelContext& ctx, const std::string& key, size_t i,
                                                 int input_since);

// Attribute `key` (Transpose's perm and the like) checked to be a permutation of 0..rank-1; empty
// when absent. octet::Error naming the node and the attribute otherwise.
std::vector<int64_t> permutation_attr(const Node& node, const std::string& key, int64_t rank);

// Row-major element strides of `shape`.
std::vector<int64_t> contiguous_strides(const Shape& shape);

}  // namespace octet
