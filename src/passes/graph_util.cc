#include "passes/graph_util.h"

namespace octet {

std::vector<size_t> consumers(const Graph& g, const std::string& value) {
  std::vector<size_t> out;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& in : g.nodes[i].inputs)
      if (in == value) {
        out.push_back(i);
        break;
      }
  return out;
}

int64_t producer_index(const Graph& g, const std::string& value) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& o : g.nodes[i].outputs)
      if (o == value) return static_cast<int64_t>(i);
  return -1;
}

bool is_graph_output(const Graph& g, const std::string& value) {
  for (const auto& o : g.outputs)
    if (o.name == value) return true;
  return false;
}

std::string fresh_name(const Graph& g, const std::string& base) {
  auto used = [&](const std::string& s) {
    if (g.initializers.count(s) || g.value_info.count(s)) return true;
    for (const auto& v : g.inputs)
      if (v.name == s) return true;
    for (const Node& n : g.nodes) {
      if (n.name == s) return true;
      for (const auto& o : n.outputs)
        if (o == s) return true;
    }
    return is_graph_output(g, s);
  };
  std::string s = base;
  for (int k = 1; used(s); ++k) s = base + "_" + std::to_string(k);
  return s;
}

void remove_nodes(Graph& g, const std::set<size_t>& indices) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!indices.count(i)) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  drop_unused_initializers(g);
}

void drop_unused_initializers(Graph& g) {
  std::set<std::string> read;
  for (const Node& n : g.nodes)
    for (const auto& in : n.inputs) read.insert(in);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = read.count(it->first) || is_graph_output(g, it->first) ? std::next(it) : g.initializers.erase(it);
}

}  // namespace octet
