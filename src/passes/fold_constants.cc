#include "passes/fold_constants.h"

#include <set>

#include "octet/runtime.h"
#include "onnx/import.h"
#include "passes/fold_shapes.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

const std::set<std::string> kNeverFold = {
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "If",
    "Loop",         "Scan",          "Dropout"};
constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

bool foldable(const Graph& g, const Node& n) {
  if (!n.domain.empty() || kNeverFold.count(n.op_type) || n.outputs.empty()) return false;
  for (const auto& in : n.inputs)
    if (!in.empty() && !g.find_initializer(in)) return false;
  for (const auto& o : n.outputs)
    if (o.empty() || is_graph_output(g, o)) return false;
  return true;
}

bool reads_shapes(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.domain.empty() && n.op_type == "Shape") return true;
  return false;
}

}  // namespace

std::map<std::string, Tensor> evaluate_nodes(const Graph& g, const std::vector<const Node*>& nodes,
                                             const std::map<std::string, Tensor>& feeds) {
  Graph part;
  part.opsets = g.opsets;
  std::set<std::string> written;
  std::map<std::string, Tensor> inputs;
  for (const Node* n : nodes) {
    part.nodes.push_back(*n);
    for (const auto& in : n->inputs) {
      if (in.empty() || written.count(in)) continue;
      if (const Tensor* t = g.find_initializer(in)) {
        part.initializers[in] = *t;
      } else if (auto it = feeds.find(in); it != feeds.end() && !inputs.count(in)) {
        part.inputs.push_back({in, it->second.dtype(), false, {}});
        inputs[in] = it->second;
      }
    }
    for (const auto& o : n->outputs)
      if (!o.empty()) {
        written.insert(o);
        part.outputs.push_back({o, DType::kFloat32, false, {}});
      }
  }
  return Executor(part).run(inputs);
}

int fold_constants(Graph& g) {
  int folded = 0;
  for (bool changed = true; changed;) {
    changed = false;
    std::set<size_t> done;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (!foldable(g, n)) continue;
      std::map<std::string, Tensor> values;
      try {
        values = evaluate_node(g, n);
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
    if (const int shapes = fold_shapes(g); shapes > 0) {
      folded += shapes;
      changed = true;
    } else if (!done.empty() && reads_shapes(g)) {
      // What was folded may fix dims downstream (a Pad whose pads are constant now): infer them
      // and look again.
      infer_shapes(g);
      if (const int more = fold_shapes(g); more > 0) folded += more;
    }
  }
  return folded;
}

}  // namespace octet
