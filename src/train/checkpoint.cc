#include "train/checkpoint.h"

#include <cstring>
#include <vector>

#include "octet/error.h"
#include "octet/io.h"

namespace octet::train {

namespace {

constexpr const char* kFormat = "octet-qat-checkpoint";
constexpr int kVersion = 1;

// Tensors as members "<prefix><i>", their names in order in the returned list (member names are
// kept plain: initializer names may hold any character).
nlohmann::json store(const std::map<std::string, Tensor>& tensors, const std::string& prefix,
                     std::map<std::string, Tensor>& members) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [name, t] : tensors) {
    members[prefix + std::to_string(names.size())] = t;
    names.push_back(name);
  }
  return names;
}

std::map<std::string, Tensor> restore(const nlohmann::json& names, const std::string& prefix,
                                      const std::map<std::string, Tensor>& members, const std::string& path) {
  std::map<std::string, Tensor> tensors;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = members.find(prefix + std::to_string(i));
    OCTET_CHECK(it != members.end(), path, ": checkpoint member '", prefix, i, "' is missing");
    tensors[names[i].get<std::string>()] = it->second;
  }
  return tensors;
}

}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  std::map<std::string, Tensor> members;
  nlohmann::json state = {{"format", kFormat},
                          {"version", kVersion},
                          {"epochs_done", c.epochs_done},
                          {"observers", c.observers},
                          {"observers_frozen", c.observers_frozen},
                          {"batch_norm_frozen", c.batch_norm_frozen},
                          {"rng", c.rng},
                          {"settings", c.settings},
                          {"history", c.history}};
  state["tensors"] = store(c.tensors, "t", members);
  state["optimizer"] = store(c.optimizer, "o", members);
  const std::string text = state.dump();
  Tensor bytes(DType::kUInt8, {static_cast<int64_t>(text.size())});
  std::memcpy(bytes.raw(), text.data(), text.size());
  members["state"] = bytes;
  write_npz(path, members);
}

Checkpoint read_checkpoint(const std::string& path) {
  const std::map<std::string, Tensor> members = read_npz(path);
  auto st = members.find("state");
  OCTET_CHECK(st != members.end() && st->second.dtype() == DType::kUInt8, path,
              ": not an octet QAT checkpoint (no 'state' member)");
  Checkpoint c;
  try {
    const nlohmann::json state = nlohmann::json::parse(
        std::string(static_cast<const char*>(st->second.raw()), static_cast<size_t>(st->second.numel())));
    OCTET_CHECK(state.value("format", "") == kFormat && state.value("version", 0) == kVersion, path,
                ": not an octet QAT checkpoint of version ", kVersion);
    c.epochs_done = state.at("epochs_done").get<int>();
    c.observers = state.at("observers");
    c.observers_frozen = state.at("observers_frozen").get<bool>();
    c.batch_norm_frozen = state.at("batch_norm_frozen").get<bool>();
    c.rng = state.at("rng").get<std::string>();
    c.settings = state.at("settings");
    c.history = state.at("history");
    c.tensors = restore(state.at("tensors"), "t", members, path);
    c.optimizer = restore(state.at("optimizer"), "o", members, path);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": malformed QAT checkpoint state: ", e.what());
  }
  return c;
}

}  // namespace octet::train
