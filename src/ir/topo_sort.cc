#include "ir/topo_sort.h"

#include <map>
#include <queue>
#include <set>

namespace octet {

namespace {

// Every value a node reads: its inputs and what its subgraphs read from the enclosing scope.
std::vector<std::string> node_reads(const Node& n) {
  std::vector<std::string> reads;
  for (const auto& in : n.inputs)
    if (!in.empty()) reads.push_back(in);
  for (const auto& [key, a] : n.attrs)
    if (a.kind == Attribute::Kind::kGraph && a.g)
      for (auto& v : free_values(*a.g)) reads.push_back(std::move(v));
  return reads;
}

}  // namespace

std::vector<std::string> free_values(const Graph& g) {
  std::set<std::string> defined;
  for (const auto& in : g.inputs) defined.insert(in.name);
  for (const auto& [name, t] : g.initializers) defined.insert(name);
  for (const auto& n : g.nodes)
    for (const auto& out : n.outputs) defined.insert(out);
  std::set<std::string> seen;
  std::vector<std::string> free;
  for (const auto& n : g.nodes)
    for (auto& v : node_reads(n))
      if (!defined.count(v) && seen.insert(v).second) free.push_back(v);
  for (const auto& out : g.outputs)
    if (!defined.count(out.name) && seen.insert(out.name).second) free.push_back(out.name);
  return free;
}

std::vector<size_t> topological_order(const Graph& g, bool allow_outer_scope) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& out : g.nodes[i].outputs) {
      if (out.empty()) continue;
      OCTET_CHECK(!g.initializers.count(out), g.nodes[i].describe(), ": output '", out, "' is also an initializer");
      auto [it, fresh] = producer.emplace(out, i);
      OCTET_CHECK(fresh, "value '", out, "' is produced by two nodes: '", g.nodes[it->second].name, "' and '",
                  g.nodes[i].name, "'");
    }
  std::set<std::string> graph_inputs;
  for (const auto& in : g.inputs) graph_inputs.insert(in.name);

  std::vector<int> missing(g.nodes.size(), 0);
  std::vector<std::vector<size_t>> users(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    std::set<size_t> deps;
    for (const auto& v : node_reads(g.nodes[i])) {
      auto it = producer.find(v);
      if (it != producer.end()) {
        deps.insert(it->second);
      } else if (!graph_inputs.count(v) && !g.initializers.count(v) && !allow_outer_scope) {
        fail(g.nodes[i].describe(), ": input '", v, "' is not a graph input, an initializer or the output of any node");
      }
    }
    for (size_t d : deps) users[d].push_back(i);
    missing[i] = static_cast<int>(deps.size());
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (missing[i] == 0) ready.push(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t u : users[i])
      if (--missing[u] == 0) ready.push(u);
  }
  if (order.size() != g.nodes.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (missing[i] > 0) fail(g.nodes[i].describe(), ": the graph has a cycle through this node");
  }
  return order;
}

}  // namespace octet
