#include "passes/fold_constants.h"

#include <set>

#include "octet/runtime.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

const std::set<std::string> kNeverFold = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                                          "Multinomial", "Bernoulli", "If", "Loop", "Scan", "Dropout"};
constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

bool foldable(const Graph& g, const Node& n) {
  if (!n.domain.empty() || kNeverFold.count(n.op_type) || n.outputs.empty()) return false;
  for (const auto& in : n.inputs)
    if (!in.empty() && !g.find_initializer(in)) return false;
  for (const auto& o : n.outputs)
    if (o.empty() || is_graph_output(g, o)) return false;
  return true;
}

}  // namespace

int fold_constants(Graph& g) {
  int folded = 0;
  for (bool changed = true; changed;) {
    changed = false;
    std::set<size_t> done;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (!foldable(g, n)) continue;
      Graph one;
      one.opsets = g.opsets;
      one.nodes = {n};
      for (const auto& in : n.inputs)
        if (!in.empty()) one.initializers[in] = *g.find_initializer(in);
      for (const auto& o : n.outputs) one.outputs.push_back({o, DType::kFloat32, false, {}});
      std::map<std::string, Tensor> values;
      try {
        values = Executor(one).run({});
      } catch (const Error&) {
        continue;  // the node fails on its own: leave it for the executor to report in context
      }
      size_t bytes = 0;
      for (const auto& [_, t] : values) bytes += t.nbytes();
      if (bytes > kMaxFoldedBytes) continue;
      for (const auto& [name, t] : values) {
        g.initializers[name] = t;
        g.value_info.erase(name);
      }
      done.insert(i);
    }
    if (!done.empty()) {
      folded += static_cast<int>(done.size());
      remove_nodes(g, done);
      changed = true;
    }
  }
  return folded;
}

}  // namespace octet
