#include "passes/fuse_gelu.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

// The value of `name` when it is a constant one-element float32, else NaN.
float scalar(const Graph& g, const std::string& name) {
  const Tensor* t = g.find_initializer(name);
  return t && t->dtype() == DType::kFloat32 && t->numel() == 1 ? t->data<float>()[0] : NAN;
}

bool is_binary(const Node& n, const char* op_type) {
  return n.op_type == op_type && n.domain.empty() && n.inputs.size() == 2 && n.outputs.size() == 1;
}

// For a binary node reading `value` and a scalar constant equal to `want` (within `tol`
// relative): the index (0 or 1) of `value`, else -1. `value` empty: any non-constant input.
int with_scalar(const Graph& g, const Node& n, const std::string& value, double want, double tol) {
  for (int i = 0; i < 2; ++i) {
    const std::string& other = n.inputs[1 - i];
    if ((value.empty() ? !g.find_initializer(n.inputs[i]) : n.inputs[i] == value) &&
        std::fabs(scalar(g, other) - want) <= tol * want)
      return i;
  }
  return -1;
}

// The node at `index` when it is `op_type` and its output's only reader is `reader`.
bool feeds_only(const Graph& g, int64_t index, const char* op_type, size_t reader) {
  return index >= 0 && is_binary(g.nodes[index], op_type) &&
         sole_consumer(g, g.nodes[index].outputs[0]) == int64_t(reader);
}

}  // namespace

int fuse_gelu(Graph& g) {
  constexpr double kRelTol = 1e-6;
  std::set<size_t> gone;
  int made = 0;
  for (size_t e = 0; e < g.nodes.size(); ++e) {
    Node& erf = g.nodes[e];
    if (erf.op_type != "Erf" || !erf.domain.empty() || erf.inputs.size() != 1 || erf.outputs.size() != 1) continue;
    // u = x / √2 or x · (1/√2), read by the Erf alone.
    const int64_t d = producer_index(g, erf.inputs[0]);
    if (d < 0 || sole_consumer(g, erf.inputs[0]) != int64_t(e)) continue;
    const Node& div = g.nodes[d];
    int xi = is_binary(div, "Div") && with_scalar(g, div, div.inputs[0], M_SQRT2, kRelTol) == 0 ? 0 : -1;
    if (xi < 0 && is_binary(div, "Mul")) xi = with_scalar(g, div, "", M_SQRT1_2, kRelTol);
    if (xi < 0) continue;
    const std::string x = div.inputs[xi];
    // 1 + erf(u), read by one Mul.
    const int64_t a = sole_consumer(g, erf.outputs[0]);
    if (a < 0 || !is_binary(g.nodes[a], "Add") || with_scalar(g, g.nodes[a], erf.outputs[0], 1.0, 0) < 0) continue;
    const int64_t m = sole_consumer(g, g.nodes[a].outputs[0]);
    if (m < 0 || !is_binary(g.nodes[m], "Mul")) continue;
    const Node& mul = g.nodes[m];
    const std::string& other = mul.inputs[mul.inputs[0] == g.nodes[a].outputs[0] ? 1 : 0];
    std::set<size_t> chain{size_t(d), size_t(a), size_t(m)};
    std::string y;
    if (other == x) {  // (x · (1 + erf u)) · 0.5
      const int64_t h = sole_consumer(g, mul.outputs[0]);
      if (h < 0 || !is_binary(g.nodes[h], "Mul") || with_scalar(g, g.nodes[h], mul.outputs[0], 0.5, 0) < 0) continue;
      chain.insert(size_t(h));
      y = g.nodes[h].outputs[0];
    } else {  // (x · 0.5) · (1 + erf u)
      const int64_t h = producer_index(g, other);
      if (!feeds_only(g, h, "Mul", size_t(m)) || with_scalar(g, g.nodes[h], x, 0.5, 0) < 0) continue;
      chain.insert(size_t(h));
      y = mul.outputs[0];
    }
    if (std::any_of(chain.begin(), chain.end(), [&](size_t i) { return gone.count(i); })) continue;
    set_octet_op(erf, octet_op::kGelu);
    erf.inputs = {x};
    erf.outputs = {y};
    gone.insert(chain.begin(), chain.end());
    ++made;
  }
  remove_absorbed(g, gone);
  return made;
}

}  // namespace octet
