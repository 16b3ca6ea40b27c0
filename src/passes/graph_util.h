// Small queries and edits on a Graph that the passes share.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Indices of the nodes reading `value`, in graph order.
std::vector<size_t> consumers(const Graph& g, const std::string& value);
// Index of the node writing `value`, or -1 (graph input, initializer, undefined).
int64_t producer_index(const Graph& g, const std::string& value);
bool is_graph_output(const Graph& g, const std::string& value);
// A name not used by any value, node or initializer of `g`, built from `base`.
std::string fresh_name(const Graph& g, const std::string& base);
// Removes the nodes at `indices`, then initializers no node reads any more (graph outputs kept).
void remove_nodes(Graph& g, const std::set<size_t>& indices);
// Removes the initializers no node reads and no graph output names.
void drop_unused_initializers(Graph& g);

}  // namespace octet
