// to_channels_last: the lowered INT8 CNN ops run in NHWC with Transposes only at the region's
// edges, and the plan computes exactly (bit for bit) what the NCHW plan computes; fp32
// convolution chains too (same outputs up to oneDNN's summation order).
#include "passes/channels_last.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <onnx/onnx_pb.h>
#include "ir/octet_ops.h"
#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"
#include "passes/lower_dynamic.h"
#include "passes/lower_static.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

void expect_identical(const std::map<std::string, Tensor>& want, const std::map<std::string, Tensor>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [name, w] : want) {
    const Tensor& g = got.at(name);
    ASSERT_EQ(w.shape(), g.shape()) << name;
    ASSERT_EQ(w.dtype(), g.dtype()) << name;
    EXPECT_EQ(0, std::memcmp(w.raw(), g.raw(), w.nbytes())) << name << " differs";
  }
}

int count_channels_last(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.attr_int("channels_last", 0) != 0;
  return n;
}

TEST(ChannelsLast, QuantizedCnnsMatchTheNchwPlanBitForBit) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  struct Case {
    std::string model, data;
    int transposes;  // the graph input in, the last feature map out
  };
  for (const Case& c : {Case{kSrc + "/examples/mnist_cnn.onnx", kSrc + "/examples/mnist_test.npz", 2},
                        Case{dir + "mobilenetv2_op18.onnx", dir + "mobilenetv2_op18.inputs.npz", 2},
                        Case{dir + "resnet_op17.onnx", dir + "resnet_op17.inputs.npz", 2}}) {
    SCOPED_TRACE(c.model);
    auto data = slice_samples(read_npz(c.data), 0, 2);
    StaticQuantOptions o;
    o.observer = "minmax";
    // Through ONNX and back, as `octet run` sees it: the importer's shape inference lets the
    // residual Adds lower too.
    Graph q = import_onnx(export_onnx(quantize_static(load_onnx(c.model), data, o)), "", "quantized model");
    Graph nchw = q;
    lower_dynamic(nchw);
    lower_static(nchw);
    Graph nhwc = lower(q);
    EXPECT_EQ(testing::count_op(nhwc, "Transpose") - testing::count_op(nchw, "Transpose"), c.transposes);
    EXPECT_EQ(count_channels_last(nhwc), testing::count_op(nhwc, octet_op::kInt8Conv) +
                                             testing::count_op(nhwc, octet_op::kInt8MaxPool) +
                                             testing::count_op(nhwc, octet_op::kInt8GlobalAveragePool));
    expect_identical(Executor(nchw).run(data), Executor(nhwc).run(data));
    expect_identical(Executor(nchw, {.threads = 2}).run(data), Executor(nhwc, {.threads = 2}).run(data));
    // The NHWC values keep their declared shapes, permuted: channels last.
    for (const Node& n : nhwc.nodes) {
      if (!is_octet_op(n, octet_op::kInt8Conv)) continue;
      const ValueInfo* vi = nhwc.find_value_info(n.outputs[0]);
      ASSERT_TRUE(vi && vi->has_shape && vi->shape.size() == 4) << n.outputs[0];
      EXPECT_EQ(vi->shape[3].value, nhwc.find_initializer(n.inputs[1])->dim(0)) << n.outputs[0];
    }
  }
}

// A hand-built lowered graph whose region has every kind of edge: two NCHW inputs entering (one
// through an Add operand), region values that are a graph output and read by a float op, a
// channel Concat and both pools.
Attribute floats_attr(std::vector<float> v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(v);
  return a;
}

Graph edge_cases() {
  Graph g;
  g.opsets = {{"", 17}, {"com.octet", 1}};
  auto u8_input = [&](const std::string& name, Shape s) {
    ValueInfo v{name, DType::kUInt8, true, {}};
    for (int64_t d : s) v.shape.push_back(Dim{d, ""});
    g.inputs.push_back(v);
  };
  u8_input("x", {2, 3, 9, 7});
  std::mt19937 rng(7);
  Tensor w(DType::kInt8, {4, 3, 3, 3});
  for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(int(rng() % 255) - 127);
  Tensor ws(DType::kFloat32, {4});
  for (int i = 0; i < 4; ++i) ws.data<float>()[i] = 0.01f * (i + 1);
  g.initializers = {{"w", w}, {"ws", ws}};
  auto node = [&](const std::string& op, std::vector<std::string> in, std::string out,
                  std::map<std::string, Attribute> attrs, const std::string& domain = "com.octet") {
    Node n;
    n.name = out + "_node";
    n.op_type = op;
    n.domain = domain;
    n.opset = domain.empty() ? 17 : 1;
    n.inputs = std::move(in);
    n.outputs = {std::move(out)};
    n.attrs = std::move(attrs);
    g.nodes.push_back(n);
  };
  node(octet_op::kInt8Conv, {"x", "w", "ws"}, "c",
       {{"x_scale", float_attr(0.02f)},
        {"x_zero_point", int_attr(120)},
        {"y_scale", float_attr(0.05f)},
        {"y_zero_point", int_attr(100)},
        {"pads", ints_attr({1, 1, 1, 1})}});
  node(octet_op::kInt8Conv, {"x", "w", "ws"}, "c2",
       {{"x_scale", float_attr(0.02f)},
        {"x_zero_point", int_attr(120)},
        {"y_scale", float_attr(0.03f)},
        {"y_zero_point", int_attr(7)},
        {"pads", ints_attr({1, 1, 1, 1})}});
  node(octet_op::kInt8Add, {"c", "c2"}, "a",
       {{"a_scale", float_attr(0.05f)},
        {"a_zero_point", int_attr(100)},
        {"b_scale", float_attr(0.03f)},
        {"b_zero_point", int_attr(7)},
        {"y_scale", float_attr(0.07f)},
        {"y_zero_point", int_attr(90)}});
  node(octet_op::kInt8MaxPool, {"a"}, "m", {{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}});
  node(octet_op::kInt8Concat, {"m", "m"}, "k",
       {{"axis", int_attr(1)},
        {"scales", floats_attr({0.07f, 0.07f})},
        {"zero_points", ints_attr({90, 90})},
        {"y_scale", float_attr(0.08f)},
        {"y_zero_point", int_attr(80)}});
  node(octet_op::kInt8GlobalAveragePool, {"k"}, "p",
       {{"x_scale", float_attr(0.08f)},
        {"x_zero_point", int_attr(80)},
        {"y_scale", float_attr(0.06f)},
        {"y_zero_point", int_attr(85)}});
  node("Identity", {"a"}, "a_copy", {}, "");
  for (const char* out : {"c", "p", "a_copy"}) g.outputs.push_back({out, DType::kUInt8, false, {}});
  return g;
}

// fp32: optimize_for_inference runs the convolution chains in NHWC (oneDNN's brgconv layout).
TEST(ChannelsLast, Fp32ConvolutionChainsRunNhwcWithTheSameOutputs) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  struct Case {
    std::string model, data;
    int transposes;  // where NCHW values enter and leave the regions
  };
  for (const Case& c : {Case{kSrc + "/examples/mnist_cnn.onnx", kSrc + "/examples/mnist_test.npz", 2},
                        Case{dir + "mobilenetv2_op18.onnx", dir + "mobilenetv2_op18.inputs.npz", 2},
                        Case{dir + "resnet_op17.onnx", dir + "resnet_op17.inputs.npz", 2}}) {
    SCOPED_TRACE(c.model);
    Graph g = load_onnx(c.model);
    Graph o = optimize_for_inference(g);
    EXPECT_EQ(testing::count_op(o, "Transpose") - testing::count_op(g, "Transpose"), c.transposes);
    EXPECT_EQ(count_channels_last(o), testing::count_op(o, "Conv") + testing::count_op(o, "ConvPostOps") +
                                          testing::count_op(o, "MaxPool") + testing::count_op(o, "GlobalAveragePool"));
    auto data = slice_samples(read_npz(c.data), 0, 2);
    for (int threads : {1, 2}) {
      auto want = Executor(g, {.threads = threads}).run(data), got = Executor(o, {.threads = threads}).run(data);
      for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-5) << out;
    }
  }
}

// A transposed convolution (a decoder's upsampling) runs NHWC inside the region too.
TEST(ChannelsLast, Fp32TransposedConvolutionJoinsTheRegion) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 3, 9, 7})};
  g.initializers = {{"w", testing::sine_tensor({8, 3, 3, 3}, 0.1f)},
                    {"wt", testing::sine_tensor({8, 4, 3, 3}, 0.7f)},
                    {"bt", testing::sine_tensor({4}, 1.3f)}};
  testing::add_node(g, "Conv", {"x", "w"}, "c").attrs["pads"] = ints_attr({1, 1, 1, 1});
  Node& up = testing::add_node(g, "ConvTranspose", {"c", "wt", "bt"}, "u");
  up.attrs["strides"] = ints_attr({2, 2});
  up.attrs["pads"] = ints_attr({1, 1, 0, 0});
  testing::add_node(g, "Relu", {"u"}, "y");
  g.outputs = {testing::f32_value("y", {})};
  Graph o = optimize_for_inference(g);
  EXPECT_EQ(testing::count_op(o, "Transpose"), 2);  // in and out only
  for (const Node& n : o.nodes) {
    if (n.op_type == "ConvTranspose") {
      EXPECT_EQ(n.attr_int("channels_last", 0), 1);
    }
  }
  testing::expect_same_outputs(g, o, {{"x", testing::sine_tensor({2, 3, 9, 7}, 0.5f)}}, 1e-5);
}

// A convolution of a constant image (a folded input): the constant enters through a Transpose
// like a computed value. Before, it was read as NHWC as it stood and the result was transposed
// to the wrong shape ([2, 1, 1, 3] for [2, 1, 3, 1]).
TEST(ChannelsLast, ConvolutionOfAConstantImageKeepsItsShape) {
  for (const char* op : {"Conv", "ConvTranspose"}) {
    SCOPED_TRACE(op);
    Graph g;
    g.opsets = {{"", 17}};
    g.initializers = {{"img", testing::sine_tensor({2, 3, 5, 4}, 0.3f)},
                      {"w", testing::sine_tensor({3, 3, 3, 3}, 0.9f)}};
    testing::add_node(g, op, {"img", "w"}, "c").attrs["pads"] = ints_attr({1, 0, 1, 0});
    testing::add_node(g, "Relu", {"c"}, "y");
    g.outputs = {testing::f32_value("y", {})};
    Graph o = g;
    to_channels_last(o);
    EXPECT_EQ(count_channels_last(o), 1);
    EXPECT_EQ(testing::count_op(o, "Transpose"), 2);  // the image in, the result out
    testing::expect_same_outputs(g, o, {}, 1e-5);
  }
}

TEST(ChannelsLast, EveryKindOfRegionEdgeKeepsTheResult) {
  Graph nchw = edge_cases();
  Graph nhwc = nchw;
  to_channels_last(nhwc);
  // In: x. Out: c (graph output), a (read by Identity), p (graph output).
  EXPECT_EQ(testing::count_op(nhwc, "Transpose"), 4);
  EXPECT_EQ(count_channels_last(nhwc), 5);  // 2 Convs, MaxPool, Concat, GlobalAveragePool; Add needs none
  for (const Node& n : nhwc.nodes)
    if (n.op_type == "Transpose") {
      EXPECT_EQ(n.opset, 17) << n.name;  // the model's ai.onnx opset
    }
  for (const Node& n : nhwc.nodes)
    if (n.op_type == octet_op::kInt8Concat) {
      EXPECT_EQ(n.attr_int("axis", 0), 3);
    }
  std::mt19937 rng(3);
  std::map<std::string, Tensor> feeds;
  for (const auto& [name, shape] : std::map<std::string, Shape>{{"x", {2, 3, 9, 7}}}) {
    Tensor t(DType::kUInt8, shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(rng());
    feeds[name] = t;
  }
  expect_identical(Executor(nchw).run(feeds), Executor(nhwc).run(feeds));
}

TEST(ChannelsLast, GraphWithoutConvolutionsIsUntouched) {
  Graph g = edge_cases();
  g.nodes.erase(g.nodes.begin(), g.nodes.begin() + 2);  // no Int8Conv: c and c2 become inputs
  g.inputs.push_back({"c", DType::kUInt8, false, {}});
  g.inputs.push_back({"c2", DType::kUInt8, false, {}});
  g.outputs.erase(g.outputs.begin());
  const size_t before = g.nodes.size();
  to_channels_last(g);
  EXPECT_EQ(g.nodes.size(), before);
  EXPECT_EQ(count_channels_last(g), 0);
}

}  // namespace
}  // namespace octet
