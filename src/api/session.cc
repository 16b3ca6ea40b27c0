// octet::Session (include/octet/session.h): load-then-lower once, run many times.
#include "octet/session.h"

#include "octet/model.h"
#include "octet/quantize.h"
#include "octet/runtime.h"

namespace octet {

struct Session::Impl {
  Graph graph;
  Executor executor;
  Impl(Graph g, int threads) : graph(std::move(g)), executor(graph, ExecutorOptions{.threads = threads}) {}
};

Session::Session(const Graph& model, SessionOptions options) {
  OCTET_CHECK(options.threads >= 1, "Session: threads must be at least 1, not ", options.threads);
  if (options.keep_freed_memory) keep_freed_memory();
  impl_ = std::make_unique<Impl>(options.as_written ? model : lower_or_optimize(model), options.threads);
}

Session::Session(const std::string& path, SessionOptions options) : Session(load_onnx(path), options) {}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::map<std::string, Tensor> Session::run(const std::map<std::string, Tensor>& feeds) {
  return impl_->executor.run(feeds);
}

const std::vector<ValueInfo>& Session::inputs() const { return impl_->graph.inputs; }
const std::vector<ValueInfo>& Session::outputs() const { return impl_->graph.outputs; }
const Graph& Session::graph() const { return impl_->graph; }

}  // namespace octet
