#include "session.h"

#include <utility>

namespace nb = nanobind;

namespace octet::python {

SharedSession::SharedSession(const Graph& model, const SessionOptions& options) : session_(model, options) {
  for (const auto& [name, tensor] : session_.graph().initializers) constants_.insert(tensor.raw());
}

std::map<std::string, nb::object> SharedSession::run(const std::map<std::string, Array>& feeds) {
  const std::map<std::string, Tensor> inputs = to_tensors(feeds);
  std::map<std::string, Tensor> outputs;
  {
    nb::gil_scoped_release no_gil;
    std::lock_guard<std::mutex> turn(mutex_);
    outputs = session_.run(inputs);
  }
  auto shared = [&](const Tensor& t) {
    bool fed = false;
    for (const auto& [name, input] : inputs) fed = fed || input.raw() == t.raw();
    return fed || constants_.count(t.raw()) > 0;
  };
  std::map<std::string, nb::object> arrays;
  for (const auto& [name, tensor] : outputs) arrays.emplace(name, to_numpy(shared(tensor) ? tensor.clone() : tensor));
  return arrays;
}

}  // namespace octet::python
