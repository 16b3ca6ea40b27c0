// Executor: runs a Graph in float (and, once lowered, in INT8). Nodes run in topological order;
// each intermediate buffer is released after its last use. Hooks see every value as it is
// produced: observers, FakeQuantize and the numeric suite are hooks, not executor copies.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/kernel_paths.h"
#include "octet/tensor.h"

namespace octet {

struct ExecutorOptions {
  int threads = 1;  // used inside the heavy ops
  // For subgraphs (If/Loop bodies): names defined nowhere in the graph are read from the
  // enclosing scope at run time instead of being an error.
  bool allow_outer_scope = false;
};

// Called after `producer` computed `value` (graph inputs are reported with a null producer).
using ValueHook = std::function<void(const Node* producer, const std::string& value, const Tensor& tensor)>;

// ONNX Runtime's basic graph optimizations for an fp32 model: constants folded, BatchNormalization
// folded into the Conv/Gemm before it, MatMul + bias Add and Conv + Relu/Clip fused (com.octet
// MatMulBias, ConvPostOps). The same function up to float rounding (about 1e-7
// relative); values that disappear (a BN's input) are no longer seen by hooks.
Graph optimize_for_inference(const Graph& model);

class Executor {
 public:
  // Validates the graph (every input defined, no cycle, every op supported) and creates the kernels.
  // octet::Error "node 'N' (op 'T', opset K): unsupported operator" for an unknown op.
  explicit Executor(const Graph& graph, ExecutorOptions options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs the graph. `feeds` must hold every graph input by name with a matching dtype and rank
  // (and fixed dims); returns every graph output by name.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& feeds);
  // The same, for a subgraph: names not found in the graph resolve through `outer`.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& feeds,
                                    const std::function<const Tensor*(const std::string&)>& outer);

  int add_hook(ValueHook hook);  // returns an id for remove_hook
  void remove_hook(int id);

  const Graph& graph() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- inputs made up for a model (src/runtime/synthetic_inputs.cc) ----
// bench and inspect's shape probe run a model without data; the opset upgrade checks a converted
// model against the original on them.

// Binds every input's unknown dims: `dims` maps a symbol ("batch") to a size; a leading unknown dim
// takes `batch`; any other unknown dim is 1.
std::map<std::string, Shape> bind_input_shapes(const Graph& g, const std::map<std::string, int64_t>& dims,
                                               int64_t batch);

// Deterministic inputs of the bound shapes: floats uniform in [-1, 1), integers 0, bools false.
std::map<std::string, Tensor> synthesize_inputs(const Graph& g, const std::map<std::string, Shape>& shapes);

}  // namespace octet
