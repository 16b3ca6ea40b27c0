// Small queries and edits on a Graph that the passes share. Indices are positions in g.nodes;
// queries scan the graph (models here have hundreds of nodes, not millions).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Indices of the nodes reading `value`, in graph order, each once. A node whose subgraph attribute
// (If/Loop/Scan body) mentions `value` counts as a reader: bodies may read outer-scope values.
std::vector<size_t> consumers(const Graph& g, const std::string& value);
// The one node reading `value`, or -1 when none or several do or `value` is a graph output: the
// condition for a rewrite that renames or removes `value`.
int64_t sole_consumer(const Graph& g, const std::string& value);
// Index of the node writing `value`, or -1 (graph input, initializer, undefined).
int64_t producer_index(const Graph& g, const std::string& value);
bool is_graph_output(const Graph& g, const std::string& value);
// Whether declared shapes are certainly equal: both known, same rank, every dim known and equal or
// the same symbol. The condition for fusing an element-wise op that must not broadcast.
bool same_declared_shape(const ValueInfo* a, const ValueInfo* b);
// A name used by no value (read or written), node, initializer or graph input/output of `g`: `base`
// itself when free, else `base_1`, `base_2`, ...
std::string fresh_name(const Graph& g, const std::string& base);
// Removes the nodes at `indices` (order of the others kept), then the initializers and value_info
// entries of values no remaining node reads or writes and that are not graph inputs or outputs.
void remove_nodes(Graph& g, const std::set<size_t>& indices);
// Removes the initializers no node reads and no graph output names.
void drop_unused_initializers(Graph& g);

// A constant one-element float bound of Clip: input `i` from opset 11, attribute `attr` before;
// NaN when it is not a constant, `absent` when not given.
float clip_bound(const Graph& g, const Node& clip, size_t i, const char* attr, float absent);

// ReduceMean over the two spatial axes of a rank-4 value, keeping them (axes {2, 3} or {-2, -1},
// an attribute before opset 18 and a constant input from 18): GlobalAveragePool on an NCHW image,
// as squeeze-excite blocks export their mean. The rank comes from the output's known shape.
bool is_global_average(const Graph& g, const Node& n);

// A Linear's bias as exporters write it after a MatMul: the Add that is `value`'s only reader and
// adds to it a constant float32 of n values along the last axis, shaped [n] or [1, ..., 1, n]. Its
// index, with the constant's name in *bias; -1 if none. With `keeps_shape` (for a caller that
// replaces the pair by one op writing the Add's output) the bias also has no more axes than
// `value` is known to have (from value_info, or the operands of the MatMul writing it), so the
// sum has value's shape. The one rule for every pass that groups (fuse_groups, without
// keeps_shape), fuses or lowers such a pair (fuse_matmul_add, fuse_matmul_bias, lower_static,
// lower_dynamic).
int64_t bias_add_after(const Graph& g, const std::string& value, int64_t n, std::string* bias, bool keeps_shape = true);
// `head` takes over the output of `reader`, the node it absorbs; remove_absorbed then drops the
// absorbed nodes and declares the com.octet opset the fused ops need. Returns how many it removed.
void absorb_output(Node& head, const Node& reader);
int remove_absorbed(Graph& g, const std::set<size_t>& absorbed);

// Makes `n` the com.octet operator `op_type` (opset 1): a fused or lowered op of ops/.
void set_octet_op(Node& n, const std::string& op_type);
// Whether `n` is the com.octet operator `op_type`.
bool is_octet_op(const Node& n, const char* op_type);

// Attribute values for nodes a pass creates.
Attribute int_attr(int64_t v);
Attribute float_attr(float v);
Attribute ints_attr(std::vector<int64_t> v);
Attribute floats_attr(std::vector<float> v);
Attribute string_attr(std::string v);

}  // namespace octet
