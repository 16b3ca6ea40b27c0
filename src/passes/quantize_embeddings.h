// quantize_embeddings: embedding tables in 8 bits. A Gather along axis 0 of a constant float32
// table [V, D] with D >= 16 (word, position and token-type embeddings; narrower tables such as
// detection anchors stay exact) becomes
//   Mul(Cast(Gather(codes, ids), to = float), Gather(row_scales, ids))
// with codes int8 [V, D] and row_scales float32 [V, 1]: one symmetric scale per row, max |row| / 127
// (docs/quantization.md eq. (O1) along axis 0). Per row, not per table: all-MiniLM-L6-v2's word
// rows span max |x| 0.04 to 1.05, and one scale for the table gives 4.3 % relative error where one
// per row gives 0.73 %. Not DequantizeLinear(axis 0) before the Gather: ONNX Runtime dequantizes
// the whole table on every run that way (7.8 ms for 30522 x 384 on Zen 4); this form touches only
// the rows read, in every runtime. A table read by several Gathers is stored once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Rewrites each such Gather for which `chosen(node)` holds; returns the names of those rewritten.
std::vector<std::string> quantize_embeddings(Graph& g, const std::function<bool(const Node&)>& chosen);

// True when `name` is the row_scales table of such a lookup (a quantization parameter, for reports).
bool is_embedding_row_scales(const Graph& g, const std::string& name);

}  // namespace octet
