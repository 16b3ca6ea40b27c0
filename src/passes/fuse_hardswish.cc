#include "passes/fuse_hardswish.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "passes/graph_util.h"

namespace octet {

namespace {

bool is_onnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// The value of a constant one-element float32 input, NaN otherwise.
float scalar(const Graph& g, const std::string& v) {
  const Tensor* t = g.find_initializer(v);
  return t && t->dtype() == DType::kFloat32 && t->numel() == 1 ? t->data<float>()[0] : NAN;
}

// The operand of binary node `n` other than the constant `c` (either order); empty if neither
// operand is the constant c.
std::string other_than_constant(const Graph& g, const Node& n, float c, float rel_tol = 0) {
  if (n.inputs.size() != 2) return "";
  for (size_t k = 0; k < 2; ++k) {
    const float v = scalar(g, n.inputs[k]);
    if (std::fabs(v - c) <= rel_tol * std::fabs(c)) return n.inputs[1 - k];
  }
  return "";
}

// `v` divided by 6: Div(v, 6) or Mul(v, 1/6); the quotient's input otherwise empty.
std::string divided_by_six(const Graph& g, const Node& n) {
  if (is_onnx(n, "Div") && n.inputs.size() == 2 && scalar(g, n.inputs[1]) == 6.0f) return n.inputs[0];
  if (is_onnx(n, "Mul")) return other_than_constant(g, n, 1.0f / 6.0f, 1e-6f);
  return "";
}

class Matcher {
 public:
  explicit Matcher(const Graph& g) : g_(g) {}

  // If the HardSwish of some x ends at node `end`, that x and the nodes it spans (end included).
  bool match(size_t end, std::string* x, std::set<size_t>* nodes) {
    const Node& n = g_.nodes[end];
    nodes->clear();
    nodes->insert(end);
    // ... / 6 last: (x * Clip(x + 3, 0, 6)) / 6
    if (std::string m = divided_by_six(g_, n); !m.empty()) {
      const Node* mul = inner(m, nodes);
      if (!mul || !is_onnx(*mul, "Mul") || mul->inputs.size() != 2) return false;
      for (size_t k = 0; k < 2; ++k)
        if (clip_of_x_plus_3(mul->inputs[k], mul->inputs[1 - k], nodes)) return (*x = mul->inputs[1 - k], true);
      return false;
    }
    if (!is_onnx(n, "Mul") || n.inputs.size() != 2) return false;
    for (size_t k = 0; k < 2; ++k) {
      const std::string& cand = n.inputs[1 - k];
      std::set<size_t> tried = *nodes;
      const Node* gate = inner(n.inputs[k], &tried);
      if (!gate) continue;
      // x * HardSigmoid(x) (alpha 1/6, beta 0.5)
      if (is_onnx(*gate, "HardSigmoid") && gate->inputs[0] == cand &&
          std::fabs(gate->attr_float("alpha", 0.2f) - 1.0f / 6.0f) <= 1e-6f && gate->attr_float("beta", 0.5f) == 0.5f)
        return (*nodes = tried, *x = cand, true);
      // x * (Clip(x + 3, 0, 6) / 6)
      if (std::string c = divided_by_six(g_, *gate); !c.empty() && clip_of_x_plus_3(c, cand, &tried))
        return (*nodes = tried, *x = cand, true);
    }
    return false;
  }

 private:
  // The node writing `v` if nothing else reads v (so it can go), added to `nodes`.
  const Node* inner(const std::string& v, std::set<size_t>* nodes) const {
    const int64_t p = producer_index(g_, v);
    // A node without inputs (a hostile file's, left for its op to refuse) is no part of a pattern.
    if (p < 0 || sole_consumer(g_, v) < 0 || g_.nodes[p].inputs.empty()) return nullptr;
    nodes->insert(static_cast<size_t>(p));
    return &g_.nodes[p];
  }

  // Whether `v` is Clip(x + 3, 0, 6) (Add either order), its nodes added to `nodes`.
  bool clip_of_x_plus_3(const std::string& v, const std::string& x, std::set<size_t>* nodes) const {
    std::set<size_t> tried = *nodes;
    const Node* clip = inner(v, &tried);
    if (!clip || !is_onnx(*clip, "Clip") || clip_bound(g_, *clip, 1, "min", NAN) != 0.0f ||
        clip_bound(g_, *clip, 2, "max", NAN) != 6.0f)
      return false;
    const Node* add = inner(clip->inputs[0], &tried);
    if (!add || !is_onnx(*add, "Add") || other_than_constant(g_, *add, 3.0f) != x) return false;
    *nodes = tried;
    return true;
  }

  const Graph& g_;
};

}  // namespace

int fuse_hardswish(Graph& g, bool for_export) {
  constexpr int kSince = 14;  // HardSwish's first opset
  const int opset = g.opsets.count("") ? g.opsets.at("") : 0;
  if (for_export && opset < kSince) return 0;
  Matcher m(g);
  std::set<size_t> gone;
  int made = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    std::string x;
    std::set<size_t> nodes;
    if (gone.count(i) || !m.match(i, &x, &nodes)) continue;
    bool free = true;
    for (size_t k : nodes) free = free && !gone.count(k);
    if (!free) continue;
    Node& end = g.nodes[i];
    end.op_type = "HardSwish";
    end.opset = std::max(opset, kSince);
    end.inputs = {x};
    end.attrs.clear();
    nodes.erase(i);
    gone.insert(nodes.begin(), nodes.end());
    ++made;
  }
  remove_nodes(g, gone);
  return made;
}

}  // namespace octet
