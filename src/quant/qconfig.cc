#include "quant/qconfig.h"

#include <algorithm>
#include <regex>

namespace octet::quant {

QConfig default_qconfig() { return QConfig{}; }

namespace {

using json = nlohmann::json;

void check_keys(const json& j, std::initializer_list<const char*> allowed, const std::string& where) {
  OCTET_CHECK(j.is_object(), "qconfig ", where, ": expected an object, got ", j.dump());
  for (const auto& [key, _] : j.items())
    OCTET_CHECK(std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }),
                "qconfig ", where, ": unknown key '", key, "'");
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
  if (j.contains("averaging_constant"))
    qc.observer_options.averaging_constant = get<float>(j, "averaging_constant", where);
  if (j.contains("bins")) qc.observer_options.bins = get<int>(j, "bins", where);
  if (j.contains("percentile")) qc.observer_options.percentile = get<double>(j, "percentile", where);
}

std::optional<QConfig> parse_qconfig(const json& j, const QConfig& base, const std::string& where) {
  if (j.is_null()) return std::nullopt;
  check_keys(j, {"activation", "weight"}, where);
  QConfig qc = base;
  if (j.contains("activation")) apply_activation(j.at("activation"), qc, where + ".activation");
  if (j.contains("weight")) {
    const json& w = j.at("weight");
    check_keys(w, {"per_channel"}, where + ".weight");
    if (w.contains("per_channel")) qc.weight_per_channel = get<bool>(w, "per_channel", where + ".weight");
  }
  return qc;
}

}  // namespace

QConfigMapping QConfigMapping::from_json(const std::string& text, const QConfig& base) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
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

void QConfigMapping::add_name_regex(const std::string& pattern, std::optional<QConfig> qc) {
  try {
    std::regex check(pattern);
  } catch (const std::regex_error& e) {
    fail("qconfig name_regex: invalid pattern '", pattern, "': ", e.what());
  }
  regexes_.emplace_back(pattern, std::move(qc));
}

std::optional<QConfig> QConfigMapping::resolve(const Node& node) const {
  // Later set_name / set_op_type calls override earlier ones (as a dict assignment would).
  for (auto it = names_.rbegin(); it != names_.rend(); ++it)
    if (it->first == node.name) return it->second;
  for (const auto& [pattern, qc] : regexes_)
    if (std::regex_search(node.name, std::regex(pattern))) return qc;
  for (auto it = op_types_.rbegin(); it != op_types_.rend(); ++it)
    if (it->first == node.op_type) return it->second;
  return global_;
}

}  // namespace octet::quant
