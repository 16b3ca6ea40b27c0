#include "train/grad_check_util.h"

#include <cmath>
#include <random>

#include "ops/op_test_util.h"
#include "train/backward.h"

namespace octet::testing {
namespace {

Node make_node(const std::string& op_type, const std::vector<Tensor>& inputs,
               const std::map<std::string, Attribute>& attrs, int opset, size_t n_outputs) {
  Node node;
  node.name = op_type + "_under_test";
  node.op_type = op_type;
  node.opset = opset;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(inputs[i].defined() ? "in" + std::to_string(i) : "");
  for (size_t i = 0; i < n_outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  return node;
}

// The backward's dL/d inputs for upstream gradients `grads`, with the inputs in `want` asked for.
std::vector<Tensor> run_backward(const Node& node, const std::vector<Tensor>& inputs,
                                 const std::vector<Tensor>& outputs, const std::vector<Tensor>& grads,
                                 const std::vector<size_t>& want) {
  train::BackwardFn fn = train::find_backward(node.op_type);
  if (!fn) throw Error("no backward for " + node.op_type);
  ThreadPool pool(1);
  train::BackwardContext ctx{node, {}, {}, {}, std::vector<bool>(inputs.size()), std::vector<Tensor>(inputs.size()),
                             pool};
  for (const Tensor& t : inputs) ctx.inputs.push_back(t.defined() ? &t : nullptr);
  for (const Tensor& t : outputs) ctx.outputs.push_back(&t);
  for (const Tensor& t : grads) ctx.grad_outputs.push_back(&t);
  for (size_t i : want) ctx.wants_grad[i] = true;
  fn(ctx);
  return ctx.grad_inputs;
}

// L = sum over outputs of sum(G * y), in double.
double weighted_sum(const std::vector<Tensor>& ys, const std::vector<Tensor>& grads) {
  double l = 0;
  for (size_t k = 0; k < grads.size(); ++k)
    for (int64_t e = 0; e < ys[k].numel(); ++e) l += grads[k].as_double(e) * ys[k].as_double(e);
  return l;
}

}  // namespace

Tensor random_tensor(const Shape& shape, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

void check_gradients(const std::string& op_type, const std::vector<Tensor>& inputs,
                     const std::map<std::string, Attribute>& attrs, int opset, const std::vector<size_t>& check,
                     const GradCheckOptions& opts) {
  const std::vector<Tensor> ys = run_op(op_type, inputs, attrs, opts.n_outputs, opset);
  std::vector<Tensor> grads;
  for (size_t k = 0; k < ys.size(); ++k) grads.push_back(random_tensor(ys[k].shape(), 1000 + k));
  const Node node = make_node(op_type, inputs, attrs, opset, ys.size());
  const std::vector<Tensor> analytic = run_backward(node, inputs, ys, grads, check);
  for (size_t i : check) {
    SCOPED_TRACE(op_type + " input " + std::to_string(i));
    ASSERT_TRUE(analytic[i].defined());
    ASSERT_EQ(analytic[i].dtype(), DType::kFloat32);
    ASSERT_EQ(shape_str(analytic[i].shape()), shape_str(inputs[i].shape()));
    for (int64_t e = 0; e < inputs[i].numel(); ++e) {
      std::vector<Tensor> plus = inputs, minus = inputs;
      plus[i] = inputs[i].clone();
      minus[i] = inputs[i].clone();
      const float x = inputs[i].data<float>()[e];
      plus[i].data<float>()[e] = x + opts.h;
      minus[i].data<float>()[e] = x - opts.h;
      const double step = static_cast<double>(plus[i].data<float>()[e]) - minus[i].data<float>()[e];
      const double numeric = (weighted_sum(run_op(op_type, plus, attrs, opts.n_outputs, opset), grads) -
                              weighted_sum(run_op(op_type, minus, attrs, opts.n_outputs, opset), grads)) /
                             step;
      const double got = analytic[i].data<float>()[e];
      EXPECT_NEAR(got, numeric, opts.atol + opts.rtol * std::fabs(numeric)) << "element " << e;
    }
  }
}

std::string backward_error(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::map<std::string, Attribute>& attrs, int opset, const std::vector<size_t>& want) {
  try {
    const std::vector<Tensor> ys = run_op(op_type, inputs, attrs, 1, opset);
    Tensor ones(DType::kFloat32, ys[0].shape());
    for (int64_t e = 0; e < ones.numel(); ++e) ones.data<float>()[e] = 1;
    run_backward(make_node(op_type, inputs, attrs, opset, 1), inputs, ys, {ones}, want);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace octet::testing
