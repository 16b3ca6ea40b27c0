#include "octet/printer.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ir/octet_ops.h"

namespace octet {

namespace {

std::string short_dtype(DType t) {
  switch (t) {
    case DType::kFloat32: return "f32";
    case DType::kFloat64: return "f64";
    case DType::kFloat16: return "f16";
    case DType::kInt8: return "s8";
    case DType::kUInt8: return "u8";
    case DType::kInt16: return "s16";
    case DType::kUInt16: return "u16";
    case DType::kInt32: return "s32";
    case DType::kInt64: return "s64";
    case DType::kUInt32: return "u32";
    case DType::kUInt64: return "u64";
    case DType::kBool: return "bool";
  }
  return "?";
}

std::string fmt_float(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "x:f32[1,3,32,32]"; a value whose type is not known shows as "x:?".
std::string value_str(const std::string& name, const std::map<std::string, ValueType>& types) {
  if (name.empty()) return "-";
  auto it = types.find(name);
  if (it == types.end()) return name + ":?";
  std::string dims;
  for (int64_t d : it->second.shape) dims += (dims.empty() ? "" : ",") + (d < 0 ? std::string("?") : std::to_string(d));
  return name + ":" + short_dtype(it->second.dtype) + "[" + dims + "]";
}

std::string attr_str(const Attribute& a) {
  switch (a.kind) {
    case Attribute::Kind::kInt: return std::to_string(a.i);
    case Attribute::Kind::kFloat: return fmt_float(a.f);
    case Attribute::Kind::kString: return a.s;
    case Attribute::Kind::kTensor: return "tensor" + shape_str(a.t.shape());
    case Attribute::Kind::kGraph: return "graph(" + std::to_string(a.g ? a.g->nodes.size() : 0) + " nodes)";
    case Attribute::Kind::kInts: return shape_str(a.ints);
    case Attribute::Kind::kFloats: {
      std::string s = "[";
      for (size_t i = 0; i < a.floats.size(); ++i) s += (i ? "," : "") + fmt_float(a.floats[i]);
      return s + "]";
    }
    case Attribute::Kind::kStrings: {
      std::string s = "[";
      for (size_t i = 0; i < a.strings.size(); ++i) s += (i ? "," : "") + a.strings[i];
      return s + "]";
    }
  }
  return "?";
}

// A tensor's value range in a few characters: "0.0123" or "[64] 0.001..0.02".
std::string tensor_summary(const Tensor& t) {
  if (t.numel() == 0) return "[]";
  if (t.numel() == 1) return fmt_float(t.as_double(0));
  double lo = t.as_double(0), hi = lo;
  for (int64_t i = 1; i < t.numel(); ++i) {
    lo = std::min(lo, t.as_double(i));
    hi = std::max(hi, t.as_double(i));
  }
  return shape_str(t.shape()) + " " + fmt_float(lo) + ".." + fmt_float(hi);
}

bool is_qdq(const Node& n) {
  return n.domain.empty() && (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear");
}

// "scale=0.0123 zp=128" from the constant scale / zero-point inputs of a Q or DQ node.
std::string qparams_str(const Graph& g, const Node& n) {
  std::string s;
  if (const Tensor* scale = n.inputs.size() > 1 ? g.find_initializer(n.inputs[1]) : nullptr)
    s += "scale=" + tensor_summary(*scale);
  if (const Tensor* zp = n.inputs.size() > 2 ? g.find_initializer(n.inputs[2]) : nullptr)
    s += std::string(s.empty() ? "" : " ") + "zp=" + tensor_summary(*zp) + " " + short_dtype(zp->dtype());
  return s;
}

// The product of s[from..]: the element count from axis `from` on.
int64_t product(const Shape& s, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

}  // namespace

int64_t node_macs(const Node& n, const std::map<std::string, ValueType>& types) {
  auto shape = [&](const std::string& v) -> const Shape* {
    auto it = types.find(v);
    return it == types.end() ? nullptr : &it->second.shape;
  };
  if (n.inputs.size() < 2 || n.outputs.empty()) return -1;
  const Shape *a = shape(n.inputs[0]), *b = shape(n.inputs[1]), *y = shape(n.outputs[0]);
  if (!a || !b || !y) return -1;
  for (const Shape* s : {a, b, y})
    if (std::any_of(s->begin(), s->end(), [](int64_t d) { return d < 0; })) return -1;
  const bool conv = n.op_type == "Conv" || n.op_type == octet_op::kConvPostOps || n.op_type == octet_op::kInt8Conv ||
                    n.op_type == "ConvInteger";
  if (conv && b->size() >= 3) return product(*y) * product(*b, 1);  // per output: Cin/g * kernel
  if ((n.op_type == "ConvTranspose" || n.op_type == octet_op::kInt8ConvTranspose) && b->size() >= 3)
    return product(*a) * product(*b, 1);
  if (n.op_type == "Gemm" && a->size() == 2) {
    int64_t k = n.attr_int("transA", 0) ? (*a)[0] : (*a)[1];
    return product(*y) * k;
  }
  // MatMul-like ops reduce over A's last axis (TransposedMatMul's too: its perms keep the matrix axes).
  if (!a->empty()) return product(*y) * a->back();
  return -1;
}

bool counts_macs(const Node& n) {
  static const std::set<std::string> kOctet = {
      octet_op::kConvPostOps, octet_op::kMatMulBias,        octet_op::kTransposedMatMul,  octet_op::kInt8Conv,
      octet_op::kInt8MatMul,  octet_op::kInt8ConvTranspose, octet_op::kDynamicQuantMatMul};
  if (n.domain == kOctetDomain) return kOctet.count(n.op_type) > 0;
  return n.domain.empty() && (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
                              n.op_type == "MatMul" || n.op_type == "MatMulInteger" || n.op_type == "ConvInteger");
}

namespace {

std::string join_values(const std::vector<std::string>& names, const std::map<std::string, ValueType>& types) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : " ") + value_str(n, types);
  return s;
}

std::string human_count(int64_t v) {
  char buf[32];
  if (v >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
  else if (v >= 1000000) std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  else if (v >= 1000) std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  return buf;
}

}  // namespace

GraphTotals graph_totals(const Graph& g, const std::map<std::string, ValueType>& types) {
  GraphTotals t;
  for (const auto& n : g.nodes) {
    ++t.nodes_per_op[n.op_type];
    if (!counts_macs(n)) continue;
    int64_t m = node_macs(n, types);
    if (m < 0) ++t.macs_unknown;
    else t.macs += m;
  }
  for (const auto& [name, w] : g.initializers) {
    t.parameters += w.numel();
    t.weight_bytes += static_cast<int64_t>(w.nbytes());
  }
  return t;
}

std::string format_graph_table(const Graph& g, const std::map<std::string, ValueType>& types) {
  std::ostringstream os;
  os << "graph '" << g.name << "'";
  for (const auto& [domain, v] : g.opsets) os << "  opset " << (domain.empty() ? "ai.onnx" : domain) << "=" << v;
  os << "\ninputs:  "
     << join_values(
            [&] {
              std::vector<std::string> v;
              for (const auto& in : g.inputs) v.push_back(in.name);
              return v;
            }(),
            types);
  os << "\noutputs: "
     << join_values(
            [&] {
              std::vector<std::string> v;
              for (const auto& out : g.outputs) v.push_back(out.name);
              return v;
            }(),
            types)
     << "\n\n";

  std::vector<std::vector<std::string>> rows = {{"#", "node", "op", "inputs", "outputs", "attributes"}};
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    std::string attrs;
    for (const auto& [key, a] : n.attrs) attrs += (attrs.empty() ? "" : " ") + key + "=" + attr_str(a);
    if (is_qdq(n)) attrs += (attrs.empty() ? "" : " ") + qparams_str(g, n);
    std::string op = n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type;
    rows.push_back({std::to_string(i), n.name, op, join_values(n.inputs, types), join_values(n.outputs, types), attrs});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], std::min<size_t>(r[c].size(), 60));
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) {
      os << r[c];
      if (c + 1 < r.size()) os << std::string(r[c].size() < width[c] ? width[c] - r[c].size() : 0, ' ') << "  ";
    }
    os << "\n";
  }
  GraphTotals t = graph_totals(g, types);
  os << "\n" << g.nodes.size() << " nodes:";
  for (const auto& [op, count] : t.nodes_per_op) os << " " << op << "=" << count;
  os << "\nparameters: " << human_count(t.parameters) << " (" << t.parameters
     << "), weight bytes: " << human_count(t.weight_bytes) << "B (" << t.weight_bytes
     << ")\nMACs: " << human_count(t.macs) << " (" << t.macs << ")";
  if (t.macs_unknown) os << " + " << t.macs_unknown << " nodes of unknown shape";
  os << "\n";
  return os.str();
}

std::string graph_to_json(const Graph& g, const std::map<std::string, ValueType>& types) {
  using nlohmann::json;
  auto value_json = [&](const std::string& name) {
    json v = {{"name", name}};
    auto it = types.find(name);
    if (it != types.end()) {
      v["dtype"] = dtype_name(it->second.dtype);
      v["shape"] = it->second.shape;
    }
    return v;
  };
  json j;
  j["name"] = g.name;
  for (const auto& [domain, v] : g.opsets) j["opsets"][domain.empty() ? "ai.onnx" : domain] = v;
  for (const auto& in : g.inputs) j["inputs"].push_back(value_json(in.name));
  for (const auto& out : g.outputs) j["outputs"].push_back(value_json(out.name));
  j["nodes"] = json::array();
  for (const auto& n : g.nodes) {
    json jn = {{"name", n.name}, {"op", n.op_type}, {"domain", n.domain}};
    jn["inputs"] = json::array();
    for (const auto& in : n.inputs) jn["inputs"].push_back(value_json(in));
    jn["outputs"] = json::array();
    for (const auto& out : n.outputs) jn["outputs"].push_back(value_json(out));
    for (const auto& [key, a] : n.attrs) jn["attributes"][key] = attr_str(a);
    if (is_qdq(n)) {
      if (const Tensor* s = n.inputs.size() > 1 ? g.find_initializer(n.inputs[1]) : nullptr) {
        std::vector<double> v;
        for (int64_t i = 0; i < s->numel(); ++i) v.push_back(s->as_double(i));
        jn["scale"] = v;
      }
      if (const Tensor* z = n.inputs.size() > 2 ? g.find_initializer(n.inputs[2]) : nullptr) {
        std::vector<int64_t> v;
        for (int64_t i = 0; i < z->numel(); ++i) v.push_back(z->as_int64(i));
        jn["zero_point"] = v;
        jn["zero_point_dtype"] = dtype_name(z->dtype());
      }
    }
    if (counts_macs(n)) jn["macs"] = node_macs(n, types);
    j["nodes"].push_back(jn);
  }
  GraphTotals t = graph_totals(g, types);
  j["totals"] = {{"nodes", g.nodes.size()},
                 {"nodes_per_op", t.nodes_per_op},
                 {"parameters", t.parameters},
                 {"weight_bytes", t.weight_bytes},
                 {"macs", t.macs},
                 {"macs_unknown_nodes", t.macs_unknown}};
  return j.dump(2);
}

}  // namespace octet
