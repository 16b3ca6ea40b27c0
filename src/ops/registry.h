// The op registry: op type -> kernel factory. A kernel is created once per node when an Executor
// is built (so it can prepack constant weights) and run once per inference.
//
// Adding an op: write its forward in the family's file (src/ops/<family>.cc), register it in that
// file's register_<family>_ops(), and add tests in tests/ops/<family>_test.cc.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

// A subgraph (an If branch) as its kernel runs it. The runtime builds it (an Executor behind this
// interface, runtime/executor.cc): ops sit below the runtime (docs/architecture.md).
class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  // The subgraph's outputs in order; names it does not define are read through `outer`.
  virtual std::vector<Tensor> run(const std::function<const Tensor*(const std::string&)>& outer) = 0;
};

struct KernelContext {
  const Node& node;
  std::vector<const Tensor*> inputs;  // nullptr where an optional input is omitted
  std::vector<Tensor> outputs;        // one per node output; the kernel assigns them
  ThreadPool& pool;
  // Values visible from an enclosing scope (for If/Loop bodies): nullptr when not found.
  std::function<const Tensor*(const std::string&)> lookup;

  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  // Input i; octet::Error naming the node if it is missing.
  const Tensor& input(size_t i) const;
  const Tensor* optional_input(size_t i) const { return has_input(i) ? inputs[i] : nullptr; }
};

struct KernelInit {
  const Node& node;
  int threads = 1;
  // The value of input i when it is a constant (initializer or Constant node output), else nullptr.
  std::function<const Tensor*(size_t)> constant_input;
  // Builds the runner of a subgraph attribute (If branches); outer-scope values come through
  // KernelContext::lookup at run time.
  std::function<std::unique_ptr<SubgraphRunner>(const Graph&)> make_subgraph_runner;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void run(KernelContext& ctx) = 0;
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>(const KernelInit&)>;
using KernelFn = void (*)(KernelContext&);

class OpRegistry {
 public:
  // The registry with every op octet implements (built on first use).
  static const OpRegistry& global();

  void add(const std::string& op_type, KernelFactory factory, const std::string& domain = "");
  // A stateless kernel: fn runs on every call.
  void add(const std::string& op_type, KernelFn fn, const std::string& domain = "");
  const KernelFactory* find(const std::string& op_type, const std::string& domain = "") const;
  std::vector<std::string> op_types(const std::string& domain = "") const;

 private:
  std::map<std::pair<std::string, std::string>, KernelFactory> factories_;
};

// One per op family file; OpRegistry::global() calls each once.
void register_activation_ops(OpRegistry& r);  // activation.cc: Relu, Clip, LeakyRelu, PRelu, Sigmoid, Tanh,
                                              // HardSigmoid, HardSwish, Gelu, Erf, Softmax, LogSoftmax
void register_elementwise_ops(
    OpRegistry& r);  // elementwise.cc: Add, Sub, Mul, Div, Pow, Max, Min, Equal, Less, Greater, Where, Not, ...
void register_unary_ops(OpRegistry& r);   // unary.cc: Sqrt, Reciprocal, Exp, Log, Neg, Abs, ...
void register_reduce_ops(OpRegistry& r);  // reduce.cc: ReduceMean/Sum/Max/Min
void register_shape_ops(
    OpRegistry& r);  // shape.cc: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity, Dropout
void register_tensor_ops(OpRegistry& r);     // tensor.cc: Transpose, Concat, Split, Slice, Gather, Expand, Tile, Pad
void register_generator_ops(OpRegistry& r);  // generator.cc: Constant, ConstantOfShape, Range, Cast
void register_resize_ops(OpRegistry& r);     // resize.cc: Resize
void register_conv_ops(OpRegistry& r);       // conv.cc: Conv, ConvTranspose
void register_gemm_ops(OpRegistry& r);       // gemm.cc: Gemm, MatMul
void register_norm_ops(OpRegistry& r);       // norm.cc: BatchNormalization, LayerNormalization
void register_pool_ops(OpRegistry& r);       // pool.cc: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool
void register_rnn_ops(OpRegistry& r);        // rnn.cc: LSTM, GRU
void register_quantize_ops(
    OpRegistry& r);  // quantize_linear.cc: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear
void register_matmul_integer_ops(OpRegistry& r);  // matmul_integer.cc: MatMulInteger
void register_conv_integer_ops(OpRegistry& r);    // conv_integer.cc: ConvInteger
void register_control_flow_ops(OpRegistry& r);    // control_flow.cc: If
void register_int8_ops(OpRegistry& r);            // int8_elementwise.cc (+ int8_conv.cc, int8_matmul.cc): lowered
                                                  // static INT8 ops (domain com.octet)
void register_dynamic_quant_ops(OpRegistry& r);  // dynamic_quant_matmul.cc: lowered dynamic INT8 ops (domain com.octet)

}  // namespace octet
