#include "octet/runtime.h"

#include <algorithm>
#include <set>

#include "core/thread_pool.h"
#include "ir/topo_sort.h"
#include "ops/registry.h"

namespace octet {

namespace {

struct Step {
  const Node* node;
  std::unique_ptr<OpKernel> kernel;
  std::vector<int> inputs;   // slot ids, -1 for an omitted optional input
  std::vector<int> outputs;  // slot ids, -1 for an omitted optional output
  std::vector<int> release;  // slots whose last use is this step
};

// An error raised inside a kernel (a tensor too large, an index out of range) names the node that
// raised it, unless its message already does.
[[noreturn]] void rethrow_naming(const Node& node, const Error& e) {
  const std::string message = e.what();
  if (message.find(cat("node '", node.name, "'")) != std::string::npos) throw e;
  fail(node.describe(), ": ", message);
}

// An If branch as ops/control_flow.cc runs it (ops/registry.h SubgraphRunner).
class SubgraphExecutor : public SubgraphRunner {
 public:
  SubgraphExecutor(const Graph& g, const ExecutorOptions& options) : exec_(g, options) {}
  std::vector<Tensor> run(const std::function<const Tensor*(const std::string&)>& outer) override {
    std::map<std::string, Tensor> results = exec_.run({}, outer);
    std::vector<Tensor> outputs;
    for (const auto& out : exec_.graph().outputs) outputs.push_back(std::move(results.at(out.name)));
    return outputs;
  }

 private:
  Executor exec_;
};

}  // namespace

struct Executor::Impl {
  Graph graph;
  ExecutorOptions options;
  std::unique_ptr<ThreadPool> pool;
  std::map<std::string, int> slot_of;  // value name -> slot
  std::vector<std::string> slot_name;
  std::vector<Tensor> constants;  // per slot; defined for initializers
  std::vector<Step> steps;
  std::vector<int> input_slots, output_slots;
  std::map<int, ValueHook> hooks;
  int next_hook = 0;

  int slot(const std::string& name) {
    auto [it, inserted] = slot_of.emplace(name, static_cast<int>(slot_name.size()));
    if (inserted) {
      slot_name.push_back(name);
      constants.emplace_back();
    }
    return it->second;
  }

  void build() {
    for (auto& [name, t] : graph.initializers) constants[slot(name)] = t;
    for (const auto& in : graph.inputs) input_slots.push_back(slot(in.name));
    std::vector<size_t> order = topological_order(graph, options.allow_outer_scope);
    std::map<int, size_t> last_use;
    const OpRegistry& registry = OpRegistry::global();
    for (size_t pos = 0; pos < order.size(); ++pos) {
      const Node& node = graph.nodes[order[pos]];
      const KernelFactory* factory = registry.find(node.op_type, node.domain);
      if (!factory) fail(node.describe(), ": unsupported operator");
      Step step{&node, nullptr, {}, {}, {}};
      for (const auto& in : node.inputs) step.inputs.push_back(in.empty() ? -1 : slot(in));
      for (const auto& out : node.outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
      for (int s : step.inputs)
        if (s >= 0) last_use[s] = pos;
      for (const auto& name : outer_names(node)) last_use[slot(name)] = pos;
      KernelInit init{node, options.threads,
                      [this, &step](size_t i) -> const Tensor* {
                        if (i >= step.inputs.size() || step.inputs[i] < 0) return nullptr;
                        const Tensor& c = constants[step.inputs[i]];
                        return c.defined() ? &c : nullptr;
                      },
                      [this](const Graph& sub) -> std::unique_ptr<SubgraphRunner> {
                        ExecutorOptions o = options;
                        o.allow_outer_scope = true;
                        return std::make_unique<SubgraphExecutor>(sub, o);
                      }};
      try {
        step.kernel = (*factory)(init);
      } catch (const Error& e) {
        rethrow_naming(node, e);
      } catch (const std::exception& e) {
        fail(node.describe(), ": cannot create kernel: ", e.what());
      }
      steps.push_back(std::move(step));
    }
    for (const auto& out : graph.outputs) {
      OCTET_CHECK(slot_of.count(out.name) || options.allow_outer_scope, "graph output '", out.name,
                  "' is not produced by any node");
      output_slots.push_back(slot(out.name));
    }
    std::set<int> keep(output_slots.begin(), output_slots.end());
    for (auto [s, pos] : last_use)
      if (!keep.count(s) && !constants[s].defined()) steps[pos].release.push_back(s);
  }

  // Names a node's subgraphs read from the enclosing scope: they must stay alive until it runs.
  std::vector<std::string> outer_names(const Node& node) const {
    std::vector<std::string> names;
    for (const auto& [key, a] : node.attrs)
      if (a.kind == Attribute::Kind::kGraph && a.g)
        for (const auto& n : free_values(*a.g)) names.push_back(n);
    return names;
  }

  void check_feed(const ValueInfo& info, const Tensor& t) const {
    OCTET_CHECK(t.dtype() == info.dtype, "input '", info.name, "': expected dtype ", dtype_name(info.dtype), ", got ",
                dtype_name(t.dtype()));
    if (!info.has_shape) return;
    OCTET_CHECK(t.rank() == static_cast<int>(info.shape.size()), "input '", info.name, "': expected shape ",
                info.shape_str(), " (rank ", info.shape.size(), "), got ", shape_str(t.shape()));
    for (size_t d = 0; d < info.shape.size(); ++d)
      OCTET_CHECK(!info.shape[d].known() || info.shape[d].value == t.shape()[d], "input '", info.name,
                  "': expected shape ", info.shape_str(), ", got ", shape_str(t.shape()));
  }

  void notify(const Node* producer, int s, const Tensor& t) {
    for (auto& [id, hook] : hooks) hook(producer, slot_name[s], t);
  }

  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& feeds,
                                    const std::function<const Tensor*(const std::string&)>& outer) {
    ThreadPool::Busy busy(*pool);
    std::vector<Tensor> values = constants;
    for (const auto& [name, t] : feeds) {
      auto it =
          std::find_if(graph.inputs.begin(), graph.inputs.end(), [&](const ValueInfo& v) { return v.name == name; });
      if (it == graph.inputs.end()) {
        std::string names;
        for (const auto& v : graph.inputs) names += (names.empty() ? "'" : ", '") + v.name + "'";
        fail("unknown input '", name, "'; the model's inputs are: ", names.empty() ? "(none)" : names);
      }
      check_feed(*it, t);
      values[slot_of.at(name)] = t;
    }
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
      OCTET_CHECK(values[input_slots[i]].defined(), "missing input '", graph.inputs[i].name, "' (",
                  dtype_name(graph.inputs[i].dtype), " ", graph.inputs[i].shape_str(), ")");
      notify(nullptr, input_slots[i], values[input_slots[i]]);
    }
    auto lookup = [&](const std::string& name) -> const Tensor* {
      auto it = slot_of.find(name);
      if (it != slot_of.end() && values[it->second].defined()) return &values[it->second];
      return outer ? outer(name) : nullptr;
    };
    for (Step& step : steps) {
      KernelContext ctx{*step.node, {}, std::vector<Tensor>(step.outputs.size()), *pool, lookup};
      for (size_t i = 0; i < step.inputs.size(); ++i) {
        int s = step.inputs[i];
        const Tensor* t = nullptr;
        if (s >= 0) {
          t = values[s].defined() ? &values[s] : (outer ? outer(slot_name[s]) : nullptr);
          OCTET_CHECK(t, step.node->describe(), ": input '", slot_name[s], "' has no value");
        }
        ctx.inputs.push_back(t);
      }
      try {
        step.kernel->run(ctx);
      } catch (const Error& e) {
        rethrow_naming(*step.node, e);
      } catch (const std::exception& e) {
        fail(step.node->describe(), ": ", e.what());
      }
      for (size_t i = 0; i < step.outputs.size(); ++i) {
        int s = step.outputs[i];
        if (s < 0) continue;
        OCTET_CHECK(ctx.outputs[i].defined(), step.node->describe(), ": produced no value for output '", slot_name[s],
                    "'");
        values[s] = std::move(ctx.outputs[i]);
        if (!hooks.empty()) notify(step.node, s, values[s]);
      }
      for (int s : step.release) values[s] = Tensor();
    }
    std::map<std::string, Tensor> result;
    for (size_t i = 0; i < output_slots.size(); ++i) {
      const Tensor* t = values[output_slots[i]].defined() ? &values[output_slots[i]] : lookup(graph.outputs[i].name);
      OCTET_CHECK(t, "graph output '", graph.outputs[i].name, "' has no value");
      result[graph.outputs[i].name] = *t;
    }
    return result;
  }
};

Executor::Executor(const Graph& graph, ExecutorOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->graph = graph;
  impl_->options = options;
  impl_->pool = std::make_unique<ThreadPool>(options.threads);
  impl_->build();
}

Executor::~Executor() = default;

std::map<std::string, Tensor> Executor::run(const std::map<std::string, Tensor>& feeds) {
  return impl_->run(feeds, nullptr);
}

std::map<std::string, Tensor> Executor::run(const std::map<std::string, Tensor>& feeds,
                                            const std::function<const Tensor*(const std::string&)>& outer) {
  return impl_->run(feeds, outer);
}

int Executor::add_hook(ValueHook hook) {
  impl_->hooks[impl_->next_hook] = std::move(hook);
  return impl_->next_hook++;
}

void Executor::remove_hook(int id) { impl_->hooks.erase(id); }

const Graph& Executor::graph() const { return impl_->graph; }

}  // namespace octet
