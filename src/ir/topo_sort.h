// Graph ordering and scoping: the order the executor runs nodes in, and the values a subgraph
// reads from its enclosing scope.
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Node indices in an order where every value is produced before it is used; among ready nodes
// the model's own order is kept. octet::Error for a cycle, a value produced twice, or an input
// that nothing defines (unless `allow_outer_scope`, for subgraphs).
std::vector<size_t> topological_order(const Graph& g, bool allow_outer_scope);

// Names a graph's nodes (and nested subgraphs) read that the graph itself does not define.
std::vector<std::string> free_values(const Graph& g);

}  // namespace octet
