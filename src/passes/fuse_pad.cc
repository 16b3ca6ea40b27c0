#include "passes/fuse_pad.h"

#include <set>

#include "passes/graph_util.h"

namespace octet {

namespace {

// The ints of constant input `i` (int32 or int64), if it is one.
bool constant_ints(const Graph& g, const Node& n, size_t i, std::vector<int64_t>* out) {
  const Tensor* t = n.has_input(i) ? g.find_initializer(n.inputs[i]) : nullptr;
  if (!t || (t->dtype() != DType::kInt64 && t->dtype() != DType::kInt32) || t->rank() > 1) return false;
  for (int64_t k = 0; k < t->numel(); ++k) out->push_back(static_cast<int64_t>(t->as_double(k)));
  return true;
}

// The spatial pads [begin..., end...] of a zero constant-mode Pad of a rank-`rank` input whose
// batch and channel axes are not padded (ONNX Pad 2/11/13/18: pads and value are attributes before
// opset 11, inputs from 11; axes from 18).
bool spatial_zero_pads(const Graph& g, const Node& pad, int64_t rank, std::vector<int64_t>* spatial) {
  if (pad.attr_string("mode", "constant") != "constant") return false;
  std::vector<int64_t> pads;
  if (pad.opset < 11) {
    if (pad.attr_float("value", 0.f) != 0.f) return false;
    pads = pad.attr_ints("pads");
  } else {
    if (!constant_ints(g, pad, 1, &pads)) return false;
    if (pad.has_input(2)) {
      const Tensor* v = g.find_initializer(pad.inputs[2]);
      if (!v || v->numel() > 1 || (v->numel() == 1 && v->as_double(0) != 0)) return false;
    }
  }
  std::vector<int64_t> axes;
  if (pad.opset >= 18 && pad.has_input(3)) {
    if (!constant_ints(g, pad, 3, &axes)) return false;
    for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  } else {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  if (pads.size() != 2 * axes.size()) return false;
  std::vector<int64_t> begin(rank, 0), end(rank, 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    if (axes[k] < 0 || axes[k] >= rank) return false;
    begin[axes[k]] = pads[k];
    end[axes[k]] = pads[k + axes.size()];
  }
  if (begin[0] != 0 || end[0] != 0 || begin[1] != 0 || end[1] != 0) return false;
  spatial->clear();
  for (int64_t a = 2; a < rank; ++a) spatial->push_back(begin[a]);
  for (int64_t a = 2; a < rank; ++a) spatial->push_back(end[a]);
  for (int64_t p : *spatial)
    if (p < 0) return false;
  return true;
}

// The rank of the data the convolution or pool at `n` reads (2 + its spatial rank), or 0.
int64_t input_rank(const Graph& g, const Node& n) {
  if (n.op_type == "Conv") {
    const Tensor* w = n.inputs.size() > 1 ? g.find_initializer(n.inputs[1]) : nullptr;
    if (w) return w->rank();
  }
  if (n.has_attr("kernel_shape")) return static_cast<int64_t>(n.attr_ints("kernel_shape").size()) + 2;
  return 0;
}

}  // namespace

int fuse_pad(Graph& g) {
  std::set<size_t> gone;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& pad = g.nodes[i];
    if (!pad.domain.empty() || pad.op_type != "Pad" || pad.outputs.size() != 1) continue;
    const int64_t c = sole_consumer(g, pad.outputs[0]);
    if (c < 0) continue;
    Node& op = g.nodes[c];
    if (!op.domain.empty() || (op.op_type != "Conv" && op.op_type != "AveragePool") || op.inputs[0] != pad.outputs[0])
      continue;
    if (op.attr_string("auto_pad", "NOTSET") != "NOTSET") continue;
    const int64_t rank = input_rank(g, op);
    std::vector<int64_t> extra;
    if (rank < 3 || !spatial_zero_pads(g, pad, rank, &extra)) continue;
    std::vector<int64_t> pads = op.attr_ints("pads", std::vector<int64_t>(extra.size(), 0));
    if (pads.size() != extra.size()) continue;
    if (op.op_type == "AveragePool" && op.attr_int("ceil_mode", 0) != 0) continue;  // windows past the Pad's edge
    if (op.op_type == "AveragePool" && op.attr_int("count_include_pad", 0) == 0) {
      // The Pad's zeros are elements the pool averages: only a pool without pads of its own can
      // count them as padding instead.
      bool own = false;
      for (int64_t p : pads) own |= p != 0;
      if (own) continue;
      op.attrs["count_include_pad"] = int_attr(1);
    }
    for (size_t k = 0; k < pads.size(); ++k) pads[k] += extra[k];
    op.attrs["pads"] = ints_attr(pads);
    op.inputs[0] = pad.inputs[0];
    gone.insert(i);
  }
  remove_nodes(g, gone);
  return static_cast<int>(gone.size());
}

}  // namespace octet
