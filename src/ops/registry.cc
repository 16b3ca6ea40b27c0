#include "ops/registry.h"

namespace octet {

const Tensor& KernelContext::input(size_t i) const {
  if (!has_input(i)) fail(node.describe(), ": required input ", i, " is missing");
  return *inputs[i];
}

void OpRegistry::add(const std::string& op_type, KernelFactory factory, const std::string& domain) {
  factories_[{domain, op_type}] = std::move(factory);
}

void OpRegistry::add(const std::string& op_type, KernelFn fn, const std::string& domain) {
  struct FnKernel : OpKernel {
    explicit FnKernel(KernelFn f) : fn(f) {}
    void run(KernelContext& ctx) override { fn(ctx); }
    KernelFn fn;
  };
  add(op_type, [fn](const KernelInit&) -> std::unique_ptr<OpKernel> { return std::make_unique<FnKernel>(fn); }, domain);
}

const KernelFactory* OpRegistry::find(const std::string& op_type, const std::string& domain) const {
  auto it = factories_.find({domain == "ai.onnx" ? "" : domain, op_type});
  return it == factories_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::op_types(const std::string& domain) const {
  std::vector<std::string> out;
  for (const auto& [key, f] : factories_)
    if (key.first == domain) out.push_back(key.second);
  return out;
}

const OpRegistry& OpRegistry::global() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_activation_ops(r);
    register_elementwise_ops(r);
    register_unary_ops(r);
    register_reduce_ops(r);
    register_shape_ops(r);
    register_tensor_ops(r);
    register_generator_ops(r);
    register_resize_ops(r);
    register_conv_ops(r);
    register_gemm_ops(r);
    register_norm_ops(r);
    register_pool_ops(r);
    register_rnn_ops(r);
    register_quantize_ops(r);
    register_matmul_integer_ops(r);
    register_conv_integer_ops(r);
    register_control_flow_ops(r);
    register_int8_ops(r);
    register_dynamic_quant_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace octet
