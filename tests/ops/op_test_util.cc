#include "ops/op_test_util.h"

#include <algorithm>
#include <cmath>

#include "passes/graph_util.h"  // the attribute builders

namespace octet::testing {

std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           std::map<std::string, Attribute> attrs, size_t n_outputs, int opset, int threads,
                           std::vector<size_t> constant_inputs, const std::string& domain) {
  Node node;
  node.name = op_type + "_under_test";
  node.op_type = op_type;
  node.domain = domain;
  node.opset = opset;
  node.attrs = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(inputs[i].defined() ? "in" + std::to_string(i) : "");
  for (size_t i = 0; i < n_outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  const KernelFactory* factory = OpRegistry::global().find(op_type, domain);
  if (!factory) throw Error("op " + op_type + " is not registered");
  KernelInit init{node, threads,
                  [&](size_t i) -> const Tensor* {
                    bool is_const =
                        std::find(constant_inputs.begin(), constant_inputs.end(), i) != constant_inputs.end();
                    return is_const && i < inputs.size() && inputs[i].defined() ? &inputs[i] : nullptr;
                  },
                  nullptr};
  auto kernel = (*factory)(init);
  ThreadPool pool(threads);
  KernelContext ctx{node, {}, std::vector<Tensor>(n_outputs), pool, nullptr};
  for (const Tensor& t : inputs) ctx.inputs.push_back(t.defined() ? &t : nullptr);
  kernel->run(ctx);
  return ctx.outputs;
}

std::string op_error(const std::string& op_type, const std::vector<Tensor>& inputs,
                     std::map<std::string, Attribute> attrs, int opset) {
  try {
    run_op(op_type, inputs, std::move(attrs), 1, opset);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

Attribute attr_int(int64_t v) { return int_attr(v); }
Attribute attr_float(float v) { return float_attr(v); }
Attribute attr_string(const std::string& v) { return string_attr(v); }
Attribute attr_ints(std::vector<int64_t> v) { return ints_attr(std::move(v)); }
Attribute attr_floats(std::vector<float> v) { return floats_attr(std::move(v)); }
Attribute attr_tensor(Tensor t) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.t = std::move(t);
  return a;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(a.as_double(i) - b.as_double(i)));
  return m;
}

void expect_close(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.dtype(), want.dtype()) << "dtype";
  ASSERT_EQ(shape_str(got.shape()), shape_str(want.shape())) << "shape";
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = got.as_double(i), w = want.as_double(i);
    if (std::isnan(w) && std::isnan(g)) continue;
    ASSERT_LE(std::fabs(g - w), tol) << "element " << i << ": got " << g << ", want " << w;
  }
}

}  // namespace octet::testing
