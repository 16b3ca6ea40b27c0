// SaturationStats on a QDQ graph as written and lowered onto the INT8 kernels: the shares of codes
// at qmin and qmax are counted exactly, and a code at qmin that is the zero point is not saturation.
#include <gtest/gtest.h>

#include "ir/octet_ops.h"
#include "octet/debug.h"
#include "octet/quantize.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_scalar;
using testing::f32_value;

// x -> Q (scale 0.1, zero point 128: [-12.8, 12.7]) -> DQ -> Relu -> Q (scale 0.04, zero point 0:
// [0, 10.2]) -> DQ -> y. Lowered, the first Q stays and DQ -> Relu -> Q becomes a Int8Lookup.
Graph relu_between_quantizers() {
  Graph g;
  g.inputs = {f32_value("x", {1, 10})};
  g.outputs = {f32_value("y", {1, 10})};
  g.initializers["sa"] = f32_scalar(0.1f);
  g.initializers["za"] = Tensor::scalar<uint8_t>(128);
  g.initializers["sb"] = f32_scalar(0.04f);
  g.initializers["zb"] = Tensor::scalar<uint8_t>(0);
  add_node(g, "QuantizeLinear", {"x", "sa", "za"}, "qa");
  add_node(g, "DequantizeLinear", {"qa", "sa", "za"}, "xa");
  add_node(g, "Relu", {"xa"}, "r");
  add_node(g, "QuantizeLinear", {"r", "sb", "zb"}, "qb");
  add_node(g, "DequantizeLinear", {"qb", "sb", "zb"}, "y");
  return g;
}

std::map<std::string, SaturationCount> run_counts(const Graph& g) {
  SaturationStats stats(g);
  Executor exec(g);
  stats.attach(exec);
  // Three values at or below -12.8 (code 0), three at or above 12.7 (code 255); the Relu makes
  // four zeros (code 0 of qb, exact) and clips 12.7 three times at 10.2 (code 255 of qb).
  exec.run({{"x", Tensor::from_vector<float>({1, 10}, {-20, -13, -12.8f, 0, 5, 12.7f, 13, 50, 1, 2})}});
  std::map<std::string, SaturationCount> by_name;
  for (const SaturationCount& c : stats.worst_first()) by_name[c.name] = c;
  return by_name;
}

void expect_counts(const std::map<std::string, SaturationCount>& c) {
  ASSERT_EQ(c.size(), 2u);
  const SaturationCount& a = c.at("qa");
  EXPECT_EQ(a.count, 10);
  EXPECT_EQ(a.zero_point, 128);
  EXPECT_TRUE(a.qmin_saturates);
  EXPECT_EQ(a.at_qmin, 3);
  EXPECT_EQ(a.at_qmax, 3);
  EXPECT_DOUBLE_EQ(a.qmin_share(), 0.3);
  const SaturationCount& b = c.at("qb");
  EXPECT_EQ(b.dtype, DType::kUInt8);
  EXPECT_FALSE(b.qmin_saturates);  // zero point 0 after the Relu
  EXPECT_EQ(b.at_qmin, 4);
  EXPECT_EQ(b.qmin_share(), 0.0);
  EXPECT_EQ(b.at_qmax, 3);
  EXPECT_DOUBLE_EQ(b.qmax_share(), 0.3);
}

TEST(SaturationStats, CountsTheQdqGraphAsWritten) { expect_counts(run_counts(relu_between_quantizers())); }

TEST(SaturationStats, CountsTheLoweredGraphTheSame) {
  Graph lowered = lower(relu_between_quantizers());
  ASSERT_EQ(testing::count_op(lowered, octet_op::kInt8Lookup), 1);
  ASSERT_EQ(testing::count_op(lowered, "Relu"), 0);
  expect_counts(run_counts(lowered));
}

TEST(SaturationStats, WorstFirst) {
  Graph g = relu_between_quantizers();
  g.initializers["sb"] = f32_scalar(1.0f);  // [0, 255]: qb never saturates
  SaturationStats stats(g);
  Executor exec(g);
  stats.attach(exec);
  exec.run({{"x", Tensor::from_vector<float>({1, 10}, {-20, -13, -12.8f, 0, 5, 12.7f, 13, 50, 1, 2})}});
  exec.run({{"x", Tensor::from_vector<float>({1, 10}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1})}});
  const std::vector<SaturationCount> w = stats.worst_first();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "qa");
  EXPECT_EQ(w[0].count, 20);
  EXPECT_DOUBLE_EQ(w[0].qmax_share(), 0.15);
  EXPECT_EQ(w[1].name, "qb");
  EXPECT_EQ(w[1].at_qmax, 0);
}

TEST(SaturationStats, FloatGraphHasNoQuantizedTensors) {
  Graph g;
  g.inputs = {f32_value("x", {1, 4})};
  g.outputs = {f32_value("y", {1, 4})};
  add_node(g, "Relu", {"x"}, "y");
  EXPECT_TRUE(SaturationStats(g).empty());
}

}  // namespace
}  // namespace octet
