#include "passes/fuse_transpose_matmul.h"

#include <set>

#include "ir/octet_ops.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

// The perm of the Transpose writing `value` when it can be read as a strided matrix operand of
// node `reader` (its only reader), else empty.
std::vector<int64_t> operand_perm(const Graph& g, const std::string& value, int64_t reader, int64_t* transpose) {
  const int64_t t = producer_index(g, value);
  if (t < 0) return {};
  const Node& tn = g.nodes[t];
  if (tn.op_type != "Transpose" || !tn.domain.empty() || !tn.has_attr("perm") || sole_consumer(g, value) != reader)
    return {};
  std::vector<int64_t> perm = tn.attr_ints("perm");
  const int64_t r = static_cast<int64_t>(perm.size());
  if (r < 2 || (perm[r - 1] != r - 1 && perm[r - 2] != r - 1)) return {};
  *transpose = t;
  return perm;
}

}  // namespace

int fuse_transpose_matmul(Graph& g) {
  std::set<size_t> gone;
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& mm = g.nodes[i];
    if (mm.op_type != "MatMul" || !mm.domain.empty() || mm.num_inputs() != 2 || g.find_initializer(mm.inputs[1]))
      continue;
    const int64_t self = static_cast<int64_t>(i);
    int64_t ta = -1, tb = -1, ty = -1;
    const std::vector<int64_t> pa = operand_perm(g, mm.inputs[0], self, &ta);
    const std::vector<int64_t> pb = operand_perm(g, mm.inputs[1], self, &tb);
    std::vector<int64_t> py;
    const int64_t reader = sole_consumer(g, mm.outputs[0]);
    if (reader >= 0) {
      const Node& tn = g.nodes[reader];
      if (tn.op_type == "Transpose" && tn.domain.empty() && tn.has_attr("perm")) {
        std::vector<int64_t> perm = tn.attr_ints("perm");
        if (!perm.empty() && perm.back() == static_cast<int64_t>(perm.size()) - 1) py = perm, ty = reader;
      }
    }
    if (pa.empty() && pb.empty() && py.empty()) continue;
    if (!pa.empty()) mm.inputs[0] = g.nodes[ta].inputs[0], mm.attrs["perm_a"] = ints_attr(pa), gone.insert(ta);
    if (!pb.empty()) mm.inputs[1] = g.nodes[tb].inputs[0], mm.attrs["perm_b"] = ints_attr(pb), gone.insert(tb);
    set_octet_op(mm, octet_op::kTransposedMatMul);
    if (!py.empty()) {
      mm.attrs["perm_y"] = ints_attr(py);
      absorb_output(mm, g.nodes[ty]);
      gone.insert(ty);
    }
    ++fused;
  }
  remove_absorbed(g, gone);
  return fused;
}

}  // namespace octet
