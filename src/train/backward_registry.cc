#include "train/backward.h"
#include "train/backward_util.h"

namespace octet::train {
namespace {

const BackwardTable& table() {
  static const BackwardTable t = [] {
    BackwardTable r;
    register_conv_backward(r);
    register_gemm_backward(r);
    register_activation_backward(r);
    register_elementwise_backward(r);
    register_pool_backward(r);
    register_shape_backward(r);
    register_tensor_backward(r);
    register_broadcast_backward(r);
    register_unary_backward(r);
    register_reduce_backward(r);
    register_norm_backward(r);
    register_conv_transpose_backward(r);
    register_integer_backward(r);
    return r;
  }();
  return t;
}

}  // namespace

BackwardFn find_backward(const std::string& op_type) {
  auto it = table().find(op_type);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> trainable_op_types() {
  std::vector<std::string> r;
  for (const auto& [op, fn] : table()) r.push_back(op);
  return r;  // std::map: sorted
}

}  // namespace octet::train
