#include "passes/graph_util.h"

#include <algorithm>
#include <cmath>

namespace octet {

namespace {

// Whether any node of `g`, or of a subgraph nested in it, names `value` among its inputs.
bool mentions(const Graph& g, const std::string& value);

bool node_mentions(const Node& n, const std::string& value) {
  for (const auto& in : n.inputs)
    if (in == value) return true;
  for (const auto& [_, a] : n.attrs)
    if (a.kind == Attribute::Kind::kGraph && a.g && mentions(*a.g, value)) return true;
  return false;
}

bool mentions(const Graph& g, const std::string& value) {
  for (const Node& n : g.nodes)
    if (node_mentions(n, value)) return true;
  return false;
}

// `value`'s rank: from its value_info, or, written by a MatMul whose operands have known ranks of
// at least 2, the larger of them (numpy matmul); -1 when unknown.
int64_t known_rank(const Graph& g, const std::string& value) {
  const ValueInfo* out = g.find_value_info(value);
  if (out && out->has_shape) return static_cast<int64_t>(out->shape.size());
  const int64_t p = producer_index(g, value);
  if (p < 0 || g.nodes[p].op_type != "MatMul" || !g.nodes[p].domain.empty() || g.nodes[p].inputs.size() != 2) return -1;
  int64_t rank = -1;
  for (const std::string& in : g.nodes[p].inputs) {
    const Tensor* t = g.find_initializer(in);
    const ValueInfo* vi = g.find_value_info(in);
    const int64_t r = t ? t->rank() : vi && vi->has_shape ? static_cast<int64_t>(vi->shape.size()) : -1;
    if (r < 2) return -1;
    rank = std::max(rank, r);
  }
  return rank;
}

bool is_graph_input(const Graph& g, const std::string& value) {
  for (const auto& v : g.inputs)
    if (v.name == value) return true;
  return false;
}

// Every name read by a node of `g` or of a subgraph nested in it.
void collect_reads(const Graph& g, std::set<std::string>* read) {
  for (const Node& n : g.nodes) {
    read->insert(n.inputs.begin(), n.inputs.end());
    for (const auto& [_, a] : n.attrs)
      if (a.kind == Attribute::Kind::kGraph && a.g) collect_reads(*a.g, read);
  }
}

}  // namespace

std::vector<size_t> consumers(const Graph& g, const std::string& value) {
  std::vector<size_t> out;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (node_mentions(g.nodes[i], value)) out.push_back(i);
  return out;
}

int64_t sole_consumer(const Graph& g, const std::string& value) {
  if (value.empty() || is_graph_output(g, value)) return -1;
  auto c = consumers(g, value);
  return c.size() == 1 ? static_cast<int64_t>(c[0]) : -1;
}

int64_t producer_index(const Graph& g, const std::string& value) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& o : g.nodes[i].outputs)
      if (o == value) return static_cast<int64_t>(i);
  return -1;
}

bool same_declared_shape(const ValueInfo* a, const ValueInfo* b) {
  if (!a || !b || !a->has_shape || !b->has_shape || a->shape.size() != b->shape.size()) return false;
  for (size_t i = 0; i < a->shape.size(); ++i) {
    const Dim &x = a->shape[i], &y = b->shape[i];
    const bool equal = x.known() ? y.known() && x.value == y.value : !x.symbol.empty() && x.symbol == y.symbol;
    if (!equal) return false;
  }
  return true;
}

bool is_graph_output(const Graph& g, const std::string& value) {
  for (const auto& o : g.outputs)
    if (o.name == value) return true;
  return false;
}

std::string fresh_name(const Graph& g, const std::string& base) {
  std::set<std::string> used;
  for (const auto& [name, _] : g.initializers) used.insert(name);
  for (const auto& [name, _] : g.value_info) used.insert(name);
  for (const auto& v : g.inputs) used.insert(v.name);
  for (const auto& v : g.outputs) used.insert(v.name);
  for (const Node& n : g.nodes) {
    used.insert(n.name);
    used.insert(n.inputs.begin(), n.inputs.end());
    used.insert(n.outputs.begin(), n.outputs.end());
  }
  std::string s = base;
  for (int k = 1; used.count(s); ++k) s = base + "_" + std::to_string(k);
  return s;
}

void remove_nodes(Graph& g, const std::set<size_t>& indices) {
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!indices.count(i)) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  drop_unused_initializers(g);
  std::set<std::string> live;
  collect_reads(g, &live);
  for (const Node& n : g.nodes) live.insert(n.outputs.begin(), n.outputs.end());
  for (auto it = g.value_info.begin(); it != g.value_info.end();) {
    const std::string& v = it->first;
    bool keep = live.count(v) || is_graph_input(g, v) || is_graph_output(g, v);
    it = keep ? std::next(it) : g.value_info.erase(it);
  }
}

void drop_unused_initializers(Graph& g) {
  std::set<std::string> read;
  collect_reads(g, &read);
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = read.count(it->first) || is_graph_output(g, it->first) ? std::next(it) : g.initializers.erase(it);
}

int64_t bias_add_after(const Graph& g, const std::string& value, int64_t n, std::string* bias, bool keeps_shape) {
  const int64_t c = sole_consumer(g, value);
  if (c < 0) return -1;
  const Node& add = g.nodes[c];
  if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1])
    return -1;
  const std::string& other = add.inputs[0] == value ? add.inputs[1] : add.inputs[0];
  const Tensor* b = g.find_initializer(other);
  if (!b || b->dtype() != DType::kFloat32 || b->rank() == 0 || b->numel() != n || b->dim(b->rank() - 1) != n) return -1;
  if (keeps_shape && b->rank() > 1 && known_rank(g, value) < b->rank()) return -1;  // it would add axes
  *bias = other;
  return c;
}

void absorb_output(Node& head, const Node& reader) { head.outputs[0] = reader.outputs[0]; }

void set_octet_op(Node& n, const std::string& op_type) {
  n.op_type = op_type;
  n.domain = kOctetDomain;
  n.opset = 1;
}

bool is_octet_op(const Node& n, const char* op_type) { return n.domain == kOctetDomain && n.op_type == op_type; }

int remove_absorbed(Graph& g, const std::set<size_t>& absorbed) {
  if (absorbed.empty()) return 0;
  g.opsets[kOctetDomain] = 1;
  remove_nodes(g, absorbed);
  return static_cast<int>(absorbed.size());
}

float clip_bound(const Graph& g, const Node& clip, size_t i, const char* attr, float absent) {
  if (clip.opset < 11) return clip.attr_float(attr, absent);
  if (!clip.has_input(i)) return absent;
  const Tensor* t = g.find_initializer(clip.inputs[i]);
  return t && t->dtype() == DType::kFloat32 && t->numel() == 1 ? t->data<float>()[0] : NAN;
}

bool is_global_average(const Graph& g, const Node& n) {
  if (!n.domain.empty() || n.op_type != "ReduceMean" || n.attr_int("keepdims", 1) == 0 || n.outputs.size() != 1)
    return false;
  const ValueInfo* out = g.find_value_info(n.outputs[0]);
  if (!out || !out->has_shape || out->shape.size() != 4) return false;
  std::vector<int64_t> axes;
  if (n.opset < 18) {
    axes = n.attr_ints("axes");
  } else {
    const Tensor* t = n.has_input(1) ? g.find_initializer(n.inputs[1]) : nullptr;
    if (!t || t->dtype() != DType::kInt64) return false;
    axes.assign(t->data<int64_t>(), t->data<int64_t>() + t->numel());
  }
  std::set<int64_t> set;
  for (int64_t a : axes) set.insert(a < 0 ? a + 4 : a);
  return set == std::set<int64_t>{2, 3} && axes.size() == 2;
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  return a;
}

Attribute string_attr(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  return a;
}

Attribute float_attr(float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  return a;
}

Attribute ints_attr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

Attribute floats_attr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

}  // namespace octet
