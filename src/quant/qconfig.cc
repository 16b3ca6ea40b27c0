#include "quant/qconfig.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace octet::quant {

QConfig default_qconfig() { return QConfig{}; }

namespace {

using json = nlohmann::json;

void check_keys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  OCTET_CHECK(j.is_object(), "qconfig ", where, ": expected an object, got ", j.dump());
  for (const auto& [key, _] : j.items())
    OCTET_CHECK(std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }), "qconfig ", where,
                ": unknown key '", key, "'");
}

// The deepest nesting of objects and arrays in `text`, counted before the JSON library sees it: a
// hostile file nested 100,000 deep must be refused, not recursed into when a message prints it.
int json_depth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// An integer in [lo, hi]; a fraction (2048.7) or an out-of-range value is an error, not rounded
// or wrapped.
int64_t get_integer(const json& j, const char* key, const std::string& where, int64_t lo, int64_t hi) {
  const json& v = j.at(key);
  OCTET_CHECK(v.is_number_integer(), "qconfig ", where, ".", key, ": expected an integer, got ", v.dump());
  const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi);
  const int64_t x = huge ? hi : v.get<int64_t>();
  OCTET_CHECK(!huge && x >= lo && x <= hi, "qconfig ", where, ".", key, ": ", v.dump(), " is out of range (", lo,
              " to ", hi, ")");
  return x;
}

// A finite number in (lo, hi].
double get_number(const json& j, const char* key, const std::string& where, double lo, double hi) {
  const json& v = j.at(key);
  OCTET_CHECK(v.is_number(), "qconfig ", where, ".", key, ": expected a number, got ", v.dump());
  const double x = v.get<double>();
  OCTET_CHECK(std::isfinite(x) && x > lo && x <= hi, "qconfig ", where, ".", key, ": ", v.dump(),
              " is out of range (above ", lo, ", at most ", hi, ")");
  return x;
}

template <class T>
T get(const json& j, const char* key, const std::string& where) {
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    fail("qconfig ", where, ".", key, ": invalid value ", j.at(key).dump());
  }
}

void apply_activation(const json& j, QConfig& qc, const std::string& where) {
  check_keys(j, {"dtype", "observer", "reduce_range", "symmetric", "averaging_constant", "bins", "percentile"}, where);
  if (j.contains("dtype")) {
    auto d = get<std::string>(j, "dtype", where);
    OCTET_CHECK(d == "u8" || d == "s8", "qconfig ", where, ".dtype: '", d, "' (expected u8 or s8)");
    qc.activation.dtype = d == "u8" ? DType::kUInt8 : DType::kInt8;
  }
  if (j.contains("observer")) {
    qc.act_observer = get<std::string>(j, "observer", where);
    auto kinds = observer_kinds();
    OCTET_CHECK(std::find(kinds.begin(), kinds.end(), qc.act_observer) != kinds.end(), "qconfig ", where,
                ".observer: unknown observer '", qc.act_observer, "'");
  }
  if (j.contains("reduce_range")) qc.activation.reduce_range = get<bool>(j, "reduce_range", where);
  if (j.contains("symmetric")) qc.activation.symmetric = get<bool>(j, "symmetric", where);
  // The ranges the observers accept (quant/observers/), checked here to name the key at fault.
  if (j.contains("averaging_constant"))
    qc.observer_options.averaging_constant = static_cast<float>(get_number(j, "averaging_constant", where, 0.0, 1.0));
  if (j.contains("bins")) qc.observer_options.bins = static_cast<int>(get_integer(j, "bins", where, 16, 1 << 20));
  if (j.contains("percentile")) qc.observer_options.percentile = get_number(j, "percentile", where, 50.0, 100.0);
}

std::optional<QConfig> parse_qconfig(const json& j, const QConfig& base, const std::string& where) {
  if (j.is_null()) return std::nullopt;
  check_keys(j, {"activation", "weight"}, where);
  QConfig qc = base;
  if (j.contains("activation")) apply_activation(j.at("activation"), qc, where + ".activation");
  if (j.contains("weight")) {
    const json& w = j.at("weight");
    check_keys(w, {"per_channel", "reduce_range"}, where + ".weight");
    if (w.contains("per_channel")) qc.weight_per_channel = get<bool>(w, "per_channel", where + ".weight");
    if (w.contains("reduce_range")) qc.weight.reduce_range = get<bool>(w, "reduce_range", where + ".weight");
  }
  return qc;
}

}  // namespace

QConfigMapping QConfigMapping::from_json(const std::string& text, const QConfig& base) {
  constexpr int kMaxDepth = 16;  // the deepest valid qconfig nests 5 levels
  OCTET_CHECK(text.find_first_not_of(" \t\r\n") != std::string::npos,
              "qconfig: the file is empty; a qconfig is a JSON object (docs/quantization.md)");
  OCTET_CHECK(json_depth(text) <= kMaxDepth, "qconfig: nested ", json_depth(text),
              " levels deep; a qconfig nests at most 5 (refused past ", kMaxDepth, ")");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    fail("qconfig: not valid JSON: ", e.what());
  }
  check_keys(j, {"global", "op_type", "name", "name_regex"}, "(top level)");
  std::optional<QConfig> global = base;
  if (j.contains("global")) global = parse_qconfig(j.at("global"), base, "global");
  // Entries refine the global qconfig; when the global entry is null they refine the CLI's base.
  const QConfig& entry_base = global ? *global : base;
  QConfigMapping m(global);
  for (const char* key : {"op_type", "name"}) {
    if (!j.contains(key)) continue;
    OCTET_CHECK(j.at(key).is_object(), "qconfig ", key, ": expected an object of NAME: qconfig|null");
    for (const auto& [name, entry] : j.at(key).items()) {
      auto qc = parse_qconfig(entry, entry_base, std::string(key) + "." + name);
      if (std::string(key) == "op_type") m.set_op_type(name, qc);
      else m.set_name(name, qc);
    }
  }
  if (j.contains("name_regex")) {
    OCTET_CHECK(j.at("name_regex").is_array(), "qconfig name_regex: expected a list of {pattern, qconfig}");
    size_t i = 0;
    for (const json& e : j.at("name_regex")) {
      std::string where = "name_regex[" + std::to_string(i++) + "]";
      check_keys(e, {"pattern", "qconfig"}, where);
      OCTET_CHECK(e.contains("pattern") && e.contains("qconfig"), "qconfig ", where, ": needs 'pattern' and 'qconfig'");
      m.add_name_regex(get<std::string>(e, "pattern", where), parse_qconfig(e.at("qconfig"), entry_base, where));
    }
  }
  return m;
}

void QConfigMapping::set_op_type(const std::string& op_type, std::optional<QConfig> qc) {
  op_types_.emplace_back(op_type, std::move(qc));
}

void QConfigMapping::set_name(const std::string& name, std::optional<QConfig> qc) {
  names_.emplace_back(name, std::move(qc));
}

// RE2 (github.com/google/re2): matching in time linear in the name, with no recursion, whatever
// the pattern (std::regex overflows the stack on long names).
void QConfigMapping::add_name_regex(const std::string& pattern, std::optional<QConfig> qc) {
  auto re = std::make_shared<const re2::RE2>(pattern, re2::RE2::Quiet);
  OCTET_CHECK(re->ok(), "qconfig name_regex: invalid pattern '", pattern, "': ", re->error(), " (RE2 syntax)");
  regexes_.push_back({pattern, std::move(re), std::move(qc)});
}

void QConfigMapping::check_matches(const std::vector<const Graph*>& graphs) const {
  std::set<std::string> names, op_types;
  for (const Graph* g : graphs)
    for (const Node& n : g->nodes) {
      names.insert(n.name);
      op_types.insert(n.op_type);
    }
  for (const auto& [name, _] : names_)
    OCTET_CHECK(names.count(name), "qconfig name '", name, "': the model has no node of that name");
  for (const auto& [op_type, _] : op_types_) {
    std::string present;
    for (const std::string& t : op_types) present += (present.empty() ? "" : ", ") + t;
    OCTET_CHECK(op_types.count(op_type), "qconfig op_type '", op_type,
                "': the model has no node of that op type (it has ", present, ")");
  }
  for (const NameRegex& r : regexes_)
    OCTET_CHECK(
        std::any_of(names.begin(), names.end(), [&](const std::string& n) { return re2::RE2::PartialMatch(n, *r.re); }),
        "qconfig name_regex '", r.pattern, "': matches no node name of the model");
}

std::optional<QConfig> QConfigMapping::resolve(const Node& node) const {
  // Later set_name / set_op_type calls override earlier ones (as a dict assignment would).
  for (auto it = names_.rbegin(); it != names_.rend(); ++it)
    if (it->first == node.name) return it->second;
  for (const NameRegex& r : regexes_)
    if (re2::RE2::PartialMatch(node.name, *r.re)) return r.qc;
  for (auto it = op_types_.rbegin(); it != op_types_.rend(); ++it)
    if (it->first == node.op_type) return it->second;
  return global_;
}

}  // namespace octet::quant
