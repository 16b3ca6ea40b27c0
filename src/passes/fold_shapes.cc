#include "passes/fold_shapes.h"

#include <algorithm>
#include <set>

#include "octet/error.h"
#include "passes/fold_constants.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

// What Shape node `n` reports, -1 for the dims the graph does not know (a real dim is never
// negative); false when the rank of its input is unknown. Start and end as in ops/shape.cc.
bool partial_shape(const Graph& g, const Node& n, std::vector<int64_t>* dims) {
  const ValueInfo* vi = g.find_value_info(n.inputs[0]);
  if (!vi || !vi->has_shape) return false;
  const int64_t r = static_cast<int64_t>(vi->shape.size());
  int64_t start = 0, end = r;
  if (n.opset >= 15) {
    auto clamp = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
    start = clamp(n.attr_int("start", 0));
    end = clamp(n.attr_int("end", r));
  }
  for (int64_t k = start; k < end; ++k) dims->push_back(vi->shape[k].known() ? vi->shape[k].value : -1);
  return true;
}

bool all_known(const Tensor& t) {
  if (t.dtype() != DType::kInt64) return false;
  const int64_t* v = t.data<int64_t>();
  return std::all_of(v, v + t.numel(), [](int64_t d) { return d >= 0; });
}

bool is_onnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// A Gather or Slice of `shape_value` (its data input) whose other inputs are constants.
bool picks_dims(const Graph& g, const Node& n, const std::string& shape_value) {
  if ((!is_onnx(n, "Gather") && !is_onnx(n, "Slice")) || n.inputs.empty() || n.inputs[0] != shape_value) return false;
  for (size_t k = 1; k < n.inputs.size(); ++k)
    if (!n.inputs[k].empty() && !g.find_initializer(n.inputs[k])) return false;
  return n.outputs.size() == 1 && !is_graph_output(g, n.outputs[0]);
}

}  // namespace

int fold_shapes(Graph& g) {
  std::set<size_t> gone;
  std::vector<size_t> shapes;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!is_onnx(n, "Shape") || !n.has_input(0) || n.outputs.size() != 1 || is_graph_output(g, n.outputs[0])) continue;
    std::vector<int64_t> dims;
    if (!partial_shape(g, n, &dims)) continue;
    Tensor shape = Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
    if (all_known(shape)) {
      g.initializers[n.outputs[0]] = shape;
      g.value_info.erase(n.outputs[0]);
      gone.insert(i);
      continue;
    }
    shapes.push_back(i);
    for (size_t r : consumers(g, n.outputs[0])) {
      const Node& reader = g.nodes[r];
      if (!picks_dims(g, reader, n.outputs[0])) continue;
      std::map<std::string, Tensor> out;
      try {
        out = evaluate_node(g, reader, {{n.outputs[0], shape}});
      } catch (const Error&) {
        continue;  // an index out of range: the executor reports it in context
      }
      const Tensor& picked = out.at(reader.outputs[0]);
      if (!all_known(picked)) continue;
      g.initializers[reader.outputs[0]] = picked;
      g.value_info.erase(reader.outputs[0]);
      gone.insert(r);
    }
  }
  // A Shape whose every reader became a constant is read by nothing now.
  for (size_t i : shapes) {
    const std::vector<size_t> readers = consumers(g, g.nodes[i].outputs[0]);
    if (std::all_of(readers.begin(), readers.end(), [&](size_t r) { return gone.count(r) > 0; })) gone.insert(i);
  }
  remove_nodes(g, gone);
  return static_cast<int>(gone.size());
}

}  // namespace octet
