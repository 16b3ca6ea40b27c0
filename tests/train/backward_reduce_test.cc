#include "ops/op_test_util.h"
#include "train/backward.h"
#include "train/grad_check_util.h"

namespace octet::testing {
namespace {

Tensor i64(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(ReduceBackward, ReduceMean) {
  Tensor x = random_tensor({2, 3, 4}, 1);
  check_gradients("ReduceMean", {x}, {{"axes", attr_ints({1})}}, 13, {0});
  check_gradients("ReduceMean", {x}, {{"axes", attr_ints({0, -1})}, {"keepdims", attr_int(0)}}, 13, {0});
  check_gradients("ReduceMean", {x}, {{"keepdims", attr_int(0)}}, 13, {0});
  check_gradients("ReduceMean", {x, i64({2})}, {{"keepdims", attr_int(0)}}, 18, {0});
  check_gradients("ReduceMean", {x}, {{"noop_with_empty_axes", attr_int(1)}}, 18, {0});
}

TEST(ReduceBackward, ReduceSum) {
  Tensor x = random_tensor({2, 3, 4}, 1);
  check_gradients("ReduceSum", {x}, {{"axes", attr_ints({1})}}, 11, {0});
  check_gradients("ReduceSum", {x, i64({0, -1})}, {{"keepdims", attr_int(0)}}, 13, {0});
  check_gradients("ReduceSum", {x}, {}, 13, {0});
}

TEST(ReduceBackward, ReduceMax) {
  // Values 0.1 apart, shuffled: no two within the finite-difference step of each other.
  Tensor x(DType::kFloat32, {2, 3, 4});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>((i * 7) % 24) * 0.1f - 1.0f;
  check_gradients("ReduceMax", {x}, {{"axes", attr_ints({1})}}, 13, {0});
  check_gradients("ReduceMax", {x, i64({-1})}, {{"keepdims", attr_int(0)}}, 18, {0});
  check_gradients("ReduceMax", {x}, {{"keepdims", attr_int(0)}}, 13, {0});
}

// dL/d input 0 .. n-1 of `op_type` for dL/dY = 1, every input wanting one.
std::vector<Tensor> grads_of_ones(const std::string& op_type, const std::vector<Tensor>& inputs,
                                  const std::map<std::string, Attribute>& attrs, int opset) {
  const std::vector<Tensor> ys = run_op(op_type, inputs, attrs, 1, opset);
  Tensor ones(DType::kFloat32, ys[0].shape());
  for (int64_t e = 0; e < ones.numel(); ++e) ones.data<float>()[e] = 1;
  Node node;
  node.name = op_type + "_ties";
  node.op_type = op_type;
  node.opset = opset;
  node.attrs = attrs;
  node.outputs = {"y"};
  ThreadPool pool(1);
  train::BackwardContext ctx{node, {}, {&ys[0]}, {&ones}, std::vector<bool>(inputs.size(), true), {}, pool};
  for (const Tensor& t : inputs) {
    node.inputs.push_back("x");
    ctx.inputs.push_back(&t);
  }
  train::find_backward(op_type)(ctx);
  return ctx.grad_inputs;
}

std::vector<float> values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.numel()); }

// At a tie the whole gradient goes to the first maximum (minimum): in row-major order for
// ReduceMax, in input order for Max and Min; the gradients of each output still sum to dL/dY.
TEST(ReduceBackward, TiesGoToTheFirstExtremum) {
  const Tensor x = Tensor::from_vector<float>({2, 3}, {1, 5, 5, 2, 2, 0});
  EXPECT_EQ(values(grads_of_ones("ReduceMax", {x}, {{"axes", attr_ints({1})}}, 13)[0]),
            (std::vector<float>{0, 1, 0, 1, 0, 0}));
  const Tensor a = Tensor::from_vector<float>({3}, {1, 4, 2}), b = Tensor::from_vector<float>({3}, {1, 3, 2});
  const std::vector<Tensor> max = grads_of_ones("Max", {a, b}, {}, 13);
  EXPECT_EQ(values(max[0]), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(values(max[1]), (std::vector<float>{0, 0, 0}));
  const std::vector<Tensor> min = grads_of_ones("Min", {b, a}, {}, 13);
  EXPECT_EQ(values(min[0]), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(values(min[1]), (std::vector<float>{0, 0, 0}));
}

TEST(ReduceBackward, AxesInputHasNoGradient) {
  const std::string msg = backward_error("ReduceSum", {random_tensor({2, 3}, 1), i64({1})}, {}, 13, {0, 1});
  EXPECT_NE(msg.find("input 1"), std::string::npos) << msg;
}

}  // namespace
}  // namespace octet::testing
