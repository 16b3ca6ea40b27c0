#include "octet/graph.h"

namespace octet {

const Attribute* Node::find_attr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

namespace {
const Attribute* typed(const Node& n, const std::string& key, Attribute::Kind kind, const char* kind_name) {
  const Attribute* a = n.find_attr(key);
  if (a && a->kind != kind) fail(n.describe(), ": attribute '", key, "' is not of type ", kind_name);
  return a;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t def) const {
  const Attribute* a = typed(*this, key, Attribute::Kind::kInt, "int");
  return a ? a->i : def;
}
float Node::attr_float(const std::string& key, float def) const {
  const Attribute* a = typed(*this, key, Attribute::Kind::kFloat, "float");
  return a ? a->f : def;
}
std::string Node::attr_string(const std::string& key, const std::string& def) const {
  const Attribute* a = typed(*this, key, Attribute::Kind::kString, "string");
  return a ? a->s : def;
}
std::vector<int64_t> Node::attr_ints(const std::string& key, const std::vector<int64_t>& def) const {
  const Attribute* a = typed(*this, key, Attribute::Kind::kInts, "ints");
  return a ? a->ints : def;
}
std::vector<float> Node::attr_floats(const std::string& key, const std::vector<float>& def) const {
  const Attribute* a = typed(*this, key, Attribute::Kind::kFloats, "floats");
  return a ? a->floats : def;
}

std::string Node::describe() const {
  if (name.empty() && !outputs.empty())
    return cat("the node producing '", outputs[0], "' (op '", op_type, "', opset ", opset, ")");
  return cat("node '", name, "' (op '", op_type, "', opset ", opset, ")");
}

size_t Node::num_inputs() const {
  size_t n = inputs.size();
  while (n > 0 && inputs[n - 1].empty()) --n;
  return n;
}

std::string ValueInfo::shape_str() const {
  if (!has_shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i].known() ? std::to_string(shape[i].value) : (shape[i].symbol.empty() ? "?" : shape[i].symbol);
  }
  return s + "]";
}

const ValueInfo* Graph::find_value_info(const std::string& value) const {
  for (const auto& v : inputs)
    if (v.name == value) return &v;
  for (const auto& v : outputs)
    if (v.name == value) return &v;
  auto it = value_info.find(value);
  return it == value_info.end() ? nullptr : &it->second;
}

const Tensor* Graph::find_initializer(const std::string& value) const {
  auto it = initializers.find(value);
  return it == initializers.end() ? nullptr : &it->second;
}

}  // namespace octet
