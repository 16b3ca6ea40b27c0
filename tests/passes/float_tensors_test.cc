// float_tensors: the float constants a quantized graph still stores, largest first, with their
// reader and the quantizer's reason; scales and zero points of Q/DQ, embedding row scales and a
// quantized node's bias on its int32 grid are quantization parameters, not listed.
#include "passes/float_tensors.h"

#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/graph_util.h"
#include "passes/quantize_embeddings.h"

namespace octet {
namespace {

using testing::add_node;

TEST(FloatTensors, ListsFloatConstantsButNotQuantizationParameters) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 300}), ValueInfo{"ids", DType::kInt64, true, {Dim{3, ""}}}};
  g.initializers["table"] = testing::sine_tensor({400, 16}, 0.1f);
  g.initializers["bias"] = testing::sine_tensor({300}, 0.2f);
  g.initializers["gamma"] = testing::sine_tensor({600}, 0.3f);
  g.initializers["tiny"] = testing::sine_tensor({8}, 0.4f);
  g.initializers["scale"] = testing::sine_tensor({300}, 0.5f);
  g.initializers["codes"] = Tensor(DType::kInt8, {300});
  add_node(g, "DequantizeLinear", {"codes", "scale"}, "w").attrs["axis"] = int_attr(0);
  add_node(g, "Add", {"x", "bias"}, "a");
  add_node(g, "Mul", {"a", "gamma"}, "m");
  add_node(g, "Add", {"m", "tiny"}, "y");
  add_node(g, "Gather", {"table", "ids"}, "e");
  // A quantized Gemm: its bias is float values on the int32 grid (convert.cc), not listed.
  g.initializers["x_codes"] = Tensor(DType::kUInt8, {2, 300});
  g.initializers["x_scale"] = testing::f32_scalar(0.1f);
  g.initializers["w_codes"] = Tensor(DType::kInt8, {300, 300});
  g.initializers["grid_bias"] = testing::sine_tensor({300}, 0.6f);
  add_node(g, "DequantizeLinear", {"x_codes", "x_scale"}, "xq");
  add_node(g, "DequantizeLinear", {"w_codes", "x_scale"}, "wq");
  add_node(g, "Gemm", {"xq", "wq", "grid_bias"}, "fc");
  quantize_embeddings(g, [](const Node&) { return true; });
  auto listed = float_tensors(g, {"m_node: no INT8 form"});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "gamma");
  EXPECT_EQ(listed[0].bytes, 2400);
  EXPECT_EQ(listed[0].reader, "Mul 'm_node'");
  EXPECT_EQ(listed[0].why, "no INT8 form");
  EXPECT_EQ(listed[1].name, "bias");
  EXPECT_EQ(listed[1].why, "");
  EXPECT_EQ(float_tensors(g, {}, 1).size(), 3u) << "with the 32-byte tensor";
}

}  // namespace
}  // namespace octet
