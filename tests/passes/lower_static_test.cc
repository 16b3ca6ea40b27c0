// lower_static: the lowered graph runs on INT8 kernels (com.octet ops replace the QDQ units) and
// matches the QDQ float reference within one output quantization step.
#include "passes/lower_static.h"

#include <gtest/gtest.h>

#include <cmath>

#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> c;
  for (const Node& n : g.nodes) ++c[(n.domain.empty() ? "" : n.domain + "::") + n.op_type];
  return c;
}

// The output step of a graph output: the scale of the DequantizeLinear writing it.
float output_step(const Graph& q, const std::string& out) {
  for (const Node& n : q.nodes)
    if (n.op_type == "DequantizeLinear" && n.outputs[0] == out)
      return q.find_initializer(n.inputs[1])->data<float>()[0];
  ADD_FAILURE() << "no DequantizeLinear writes " << out;
  return 0;
}

// Fraction of elements of `got` within one step of `want`, and the largest difference in steps.
std::pair<double, double> within_one_step(const Tensor& want, const Tensor& got, float step) {
  int64_t ok = 0;
  double worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double d = std::fabs(double(want.data<float>()[i]) - got.data<float>()[i]) / step;
    worst = std::max(worst, d);
    ok += d <= 1.0001;
  }
  return {double(ok) / want.numel(), worst};
}

Graph quantized_mnist(int threads = 1) {
  Graph fp32 = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  StaticQuantOptions o;
  o.observer = "minmax";
  o.threads = threads;
  return quantize_static(fp32, slice_samples(read_npz(kSrc + "/examples/mnist_calib.npz"), 0, 128), o);
}

TEST(LowerStatic, MnistRunsEntirelyOnInt8Kernels) {
  Graph q = quantized_mnist();
  Graph l = lower(q);
  auto c = op_counts(l);
  EXPECT_EQ(c["com.octet::Int8Conv"], 2);
  EXPECT_EQ(c["com.octet::Int8MatMul"], 2);
  EXPECT_EQ(c["com.octet::Int8MaxPool"], 2);
  EXPECT_EQ(c["Conv"] + c["Gemm"] + c["MaxPool"] + c["Relu"], 0);
  EXPECT_EQ(c["QuantizeLinear"], 1);    // the graph input
  EXPECT_EQ(c["DequantizeLinear"], 1);  // the graph output
}

TEST(LowerStatic, MnistMatchesTheQdqReferenceWithinOneStep) {
  Graph q = quantized_mnist();
  Graph l = lower(q);
  auto data = slice_samples(read_npz(kSrc + "/examples/mnist_test.npz"), 0, 200);
  const std::string out = q.outputs[0].name;
  Tensor want = Executor(q).run(data).at(out), got = Executor(l).run(data).at(out);
  auto [fraction, worst] = within_one_step(want, got, output_step(q, out));
  EXPECT_EQ(fraction, 1.0) << "worst difference " << worst << " steps";
}

TEST(LowerStatic, FixtureCnnsStayWithinOneStepAlmostEverywhere) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  for (const char* name : {"lenet_op17", "resnet_op17", "mobilenetv2_op18", "mlp_op17", "effnet_op17", "effnet_op18"}) {
    Graph g = load_onnx(dir + name + ".onnx");
    auto data = read_npz(dir + name + ".inputs.npz");
    StaticQuantOptions o;
    o.observer = "minmax";
    Graph q = quantize_static(g, data, o);
    Graph l = lower(q);
    int lowered = 0;
    for (const Node& n : l.nodes) lowered += n.domain == "com.octet";
    EXPECT_GT(lowered, 0) << name;
    const std::string out = q.outputs[0].name;
    Tensor want = Executor(q).run(data).at(out), got = Executor(l).run(data).at(out);
    auto [fraction, worst] = within_one_step(want, got, output_step(q, out));
    // A one-step difference inside the network can move an output by more than one step after
    // several layers; the per-unit exactness is tested on single units below.
    EXPECT_GE(fraction, 0.99) << name << ": worst " << worst << " steps";
  }
}

TEST(LowerStatic, SameResultOnOneAndTwoThreads) {
  Graph l = lower(quantized_mnist());
  auto data = slice_samples(read_npz(kSrc + "/examples/mnist_test.npz"), 0, 64);
  Tensor a = Executor(l, {.threads = 1}).run(data).begin()->second;
  Tensor b = Executor(l, {.threads = 2}).run(data).begin()->second;
  ASSERT_EQ(a.numel(), b.numel());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << i;
}

// The glue of an EfficientNet / MobileNetV3-style net runs on INT8 kernels too: SiLU (Sigmoid +
// Mul) and HardSwish as one table lookup each, squeeze-excite's mean as a global average pool and
// its gate as a broadcasting Int8Mul (the per-channel constant scale after a convolution is
// folded into it), the upsampling Resize on the codes: nothing but the graph's input and output
// stays float.
TEST(LowerStatic, EffNetGlueRunsOnInt8Kernels) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  Graph g = load_onnx(dir + "effnet_op17.onnx");
  StaticQuantOptions o;
  o.observer = "minmax";
  Graph l = lower(quantize_static(g, read_npz(dir + "effnet_op17.inputs.npz"), o));
  auto c = op_counts(l);
  EXPECT_EQ(c["Sigmoid"] + c["HardSigmoid"] + c["HardSwish"] + c["ReduceMean"] + c["Clip"], 0);
  EXPECT_EQ(c["com.octet::Int8Mul"], 2);                // the two squeeze-excite gates
  EXPECT_EQ(c["com.octet::Int8GlobalAveragePool"], 3);  // their means and the head's pool
  EXPECT_GE(c["com.octet::Int8Lookup"], 5);             // SiLU x2, SE gates x2, HardSwish x2
  EXPECT_EQ(c["QuantizeLinear"], 1);
  EXPECT_EQ(c["DequantizeLinear"], 1);
  EXPECT_EQ(c["Mul"] + c["Add"], 0);
  EXPECT_EQ(c["Resize"], 1);  // on uint8 codes
}

// Transformer Linear layers as exporters write them (MatMul, then Add of the bias) run on the INT8
// GEMM with the bias in its epilogue; the model's answer stays close to the QDQ reference's.
TEST(LowerStatic, LinearLayersWithBiasAddsRunOnTheInt8Gemm) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  Graph g = load_onnx(dir + "transformer_op17.onnx");
  auto data = read_npz(dir + "transformer_op17.inputs.npz");
  StaticQuantOptions o;
  o.observer = "minmax";
  Graph q = quantize_static(g, data, o);
  Graph l = lower(q);
  EXPECT_EQ(op_counts(l)["com.octet::Int8MatMul"], 8);  // qkv, proj and two feed-forward layers, twice
  const std::string out = q.outputs[0].name;
  Tensor want = Executor(q).run(data).at(out), got = Executor(l).run(data).at(out);
  double err = 0, scale = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    err = std::max(err, std::fabs(double(want.data<float>()[i]) - got.data<float>()[i]));
    scale = std::max(scale, std::fabs(double(want.data<float>()[i])));
  }
  EXPECT_LT(err, 0.05 * scale);  // a LayerNorm output: one-step differences, normalized
}

// A constant operand of Mul and Add (a per-channel scale after a ReLU, which no fold moves into the
// convolution; a position-embedding-like shift of the whole tensor) is quantized from its own range
// and the ops run on the INT8 kernels, within one step of the QDQ reference.
TEST(LowerStatic, ConstantOperandsOfMulAndAddRunOnInt8Kernels) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {1, 3, 8, 8})};
  g.inputs[0].shape[0] = Dim{-1, "batch"};
  g.initializers = {{"w", testing::sine_tensor({6, 3, 3, 3}, 0.4f)},
                    {"scale", testing::sine_tensor({6, 1, 1}, 2.0f)},
                    {"shift", testing::sine_tensor({1, 6, 8, 8}, 1.0f)}};
  testing::add_node(g, "Conv", {"x", "w"}, "c").attrs["pads"] = ints_attr({1, 1, 1, 1});
  testing::add_node(g, "Relu", {"c"}, "r");
  testing::add_node(g, "Mul", {"r", "scale"}, "m");
  testing::add_node(g, "Add", {"shift", "m"}, "a");
  testing::add_node(g, "Conv", {"a", "w2"}, "y");
  g.initializers["w2"] = testing::sine_tensor({4, 6, 1, 1}, 0.9f);
  g.outputs = {testing::f32_value("y", {})};
  std::map<std::string, Tensor> data;
  Tensor x(DType::kFloat32, {16, 3, 8, 8});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(0.37f * float(i)) * 2.0f;
  data["x"] = x;
  StaticQuantOptions o;
  o.observer = "minmax";
  o.bias_correction = false;
  Graph q = quantize_static(g, data, o);
  Graph l = lower(q);
  auto c = op_counts(l);
  EXPECT_EQ(c["com.octet::Int8Mul"], 1);
  EXPECT_EQ(c["com.octet::Int8Add"], 1);
  EXPECT_EQ(c["Mul"] + c["Add"], 0);
  Tensor want = Executor(q).run(data).at("y"), got = Executor(l).run(data).at("y");
  auto [fraction, worst] = within_one_step(want, got, output_step(q, "y"));
  EXPECT_GE(fraction, 0.99) << "worst difference " << worst << " steps";
}

// A decoder's transposed convolution (stride 2, uneven pads, output_padding, with its ReLU)
// runs on the INT8 GEMM plus a col2im, in NCHW (lower_static alone) and NHWC (lower's regions),
// within one step of the QDQ reference.
TEST(LowerStatic, TransposedConvolutionRunsOnInt8Kernels) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {1, 3, 7, 6})};
  g.inputs[0].shape[0] = Dim{-1, "batch"};
  g.initializers = {{"w", testing::sine_tensor({8, 3, 3, 3}, 0.4f)},
                    {"wt", testing::sine_tensor({8, 5, 3, 3}, 1.1f)},
                    {"bt", testing::sine_tensor({5}, 0.2f)},
                    {"w2", testing::sine_tensor({4, 5, 1, 1}, 0.9f)}};
  testing::add_node(g, "Conv", {"x", "w"}, "c").attrs["pads"] = ints_attr({1, 1, 1, 1});
  testing::add_node(g, "Relu", {"c"}, "r");
  Node& up = testing::add_node(g, "ConvTranspose", {"r", "wt", "bt"}, "u");
  up.attrs["strides"] = ints_attr({2, 2});
  up.attrs["pads"] = ints_attr({1, 0, 1, 1});
  up.attrs["output_padding"] = ints_attr({1, 0});
  testing::add_node(g, "Relu", {"u"}, "ur");
  testing::add_node(g, "Conv", {"ur", "w2"}, "y");
  g.outputs = {testing::f32_value("y", {})};
  Tensor x(DType::kFloat32, {16, 3, 7, 6});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(0.29f * float(i)) * 2.0f;
  std::map<std::string, Tensor> data = {{"x", x}};
  StaticQuantOptions o;
  o.observer = "minmax";
  Graph q = quantize_static(g, data, o);
  Graph nchw = q;
  lower_static(nchw);
  for (const Graph& l : {nchw, lower(q)}) {
    auto c = op_counts(l);
    EXPECT_EQ(c["com.octet::Int8ConvTranspose"], 1);
    EXPECT_EQ(c["ConvTranspose"], 0);
    Tensor want = Executor(q).run(data).at("y"), got = Executor(l).run(data).at("y");
    auto [fraction, worst] = within_one_step(want, got, output_step(q, "y"));
    EXPECT_GE(fraction, 0.99) << "worst difference " << worst << " steps";
  }
}

void expect_each_unit_within_one_step(const std::string& name);

// One unit at a time (Conv+Relu, Gemm, Add+Relu, pools, lookups, Int8Mul): the lowered op
// equals the QDQ reference within one step on every element.
TEST(LowerStatic, EachUnitWithinOneStep) {
  for (const char* name : {"resnet_op17", "effnet_op17"}) {
    SCOPED_TRACE(name);
    expect_each_unit_within_one_step(name);
  }
}

void expect_each_unit_within_one_step(const std::string& name) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  Graph g = load_onnx(dir + name + ".onnx");
  auto data = read_npz(dir + name + ".inputs.npz");
  StaticQuantOptions o;
  o.observer = "minmax";
  Graph q = quantize_static(g, data, o);
  // lower_static alone: values keep their names and NCHW layout (no channels_last regions).
  Graph l = q;
  lower_static(l);
  // Every quantized value of the lowered graph, dequantized, against the same value in q.
  std::map<std::string, Tensor> ref, low;
  Executor eq(q), el(l);
  eq.add_hook([&](const Node*, const std::string& v, const Tensor& t) {
    if (t.dtype() == DType::kUInt8) ref[v] = t.clone();
  });
  el.add_hook([&](const Node* p, const std::string& v, const Tensor& t) {
    if (t.dtype() == DType::kUInt8 && p && p->domain == "com.octet") low[v] = t.clone();
  });
  eq.run(data);
  el.run(data);
  ASSERT_FALSE(low.empty());
  // The inputs of each lowered op are taken from the reference run, so errors do not accumulate:
  // run each lowered node alone on the reference's codes.
  int checked = 0;
  for (const Node& n : l.nodes) {
    if (n.domain != "com.octet") continue;
    Graph one;
    one.opsets = l.opsets;
    one.nodes = {n};
    std::map<std::string, Tensor> feeds;
    bool have_inputs = true;
    for (const auto& in : n.inputs) {
      if (in.empty()) continue;
      if (const Tensor* t = l.find_initializer(in)) {
        one.initializers[in] = *t;
      } else if (ref.count(in)) {
        feeds[in] = ref.at(in);
        one.inputs.push_back({in, DType::kUInt8, false, {}});
      } else {
        have_inputs = false;
      }
    }
    if (!have_inputs || !ref.count(n.outputs[0])) continue;
    one.outputs.push_back({n.outputs[0], DType::kUInt8, false, {}});
    Tensor got = Executor(one).run(feeds).at(n.outputs[0]);
    const Tensor& want = ref.at(n.outputs[0]);
    ASSERT_EQ(got.numel(), want.numel()) << n.name;
    int worst = 0;
    for (int64_t i = 0; i < got.numel(); ++i)
      worst = std::max(worst, std::abs(int(got.data<uint8_t>()[i]) - int(want.data<uint8_t>()[i])));
    EXPECT_LE(worst, 1) << n.name << " (" << n.op_type << ")";
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

// int8 (s8) activations run on the same kernels: each code is the uint8 one minus 128
// (s8_activations.h), so the lowered model matches its QDQ reference as a u8 one does.
TEST(LowerStatic, SignedActivationsRunOnTheInt8Kernels) {
  Graph fp32 = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  StaticQuantOptions o;
  o.observer = "minmax";
  o.act_dtype = DType::kInt8;
  auto calib = slice_samples(read_npz(kSrc + "/examples/mnist_calib.npz"), 0, 32);
  Graph q = quantize_static(fp32, calib, o);
  Graph l = lower(q);
  auto c = op_counts(l);
  EXPECT_EQ(c["com.octet::Int8Conv"], 2);
  EXPECT_EQ(c["com.octet::Int8MatMul"], 2);
  EXPECT_EQ(c["Conv"] + c["Gemm"] + c["MaxPool"] + c["Relu"], 0);
  auto data = slice_samples(read_npz(kSrc + "/examples/mnist_test.npz"), 0, 200);
  const std::string out = q.outputs[0].name;
  Tensor want = Executor(q).run(data).at(out), got = Executor(l).run(data).at(out);
  auto [fraction, worst] = within_one_step(want, got, output_step(q, out));
  EXPECT_EQ(fraction, 1.0) << "worst difference " << worst << " steps";
}

// A unit no INT8 kernel takes (here a Conv with auto_pad) stays DQ -> Conv -> Q in float and
// still runs, between lowered units.
TEST(LowerStatic, WhatCannotBeLoweredStaysFloatAndRuns) {
  Graph q = quantized_mnist();
  for (Node& n : q.nodes)
    if (n.op_type == "Conv") {
      n.attrs.erase("pads");
      n.attrs["auto_pad"] = string_attr("SAME_UPPER");
      break;
    }
  Graph l = lower(q);
  auto c = op_counts(l);
  EXPECT_EQ(c["Conv"], 1);
  EXPECT_EQ(c["com.octet::Int8Conv"], 1);
  auto data = slice_samples(read_npz(kSrc + "/examples/mnist_test.npz"), 0, 100);
  const std::string out = q.outputs[0].name;
  Tensor want = Executor(q).run(data).at(out), got = Executor(l).run(data).at(out);
  auto [fraction, worst] = within_one_step(want, got, output_step(q, out));
  EXPECT_GE(fraction, 0.99) << "worst difference " << worst << " steps";
}

// A node without inputs (the onnx_run fuzzer's GlobalAveragePool) is not a pattern: lowering
// leaves it for the op to refuse instead of reading an input 0 that is not there.
TEST(LowerStatic, NodeWithoutInputsIsLeftAlone) {
  Graph g;
  g.opsets[""] = 17;
  g.outputs = {testing::f32_value("y", {1, 1, 1, 1})};
  testing::add_node(g, "GlobalAveragePool", {}, "y");
  lower_static(g);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, "GlobalAveragePool");
}

// The onnx_run fuzzer's find (ASan: input 1 read past the end): a MatMul, Conv or Gemm reading
// a dequantized activation but no weight, and a weight's DequantizeLinear without inputs.
TEST(LowerStatic, WeightedOpWithoutItsWeightIsLeftAlone) {
  for (const char* op : {"MatMul", "Conv", "Gemm"}) {
    for (bool weight_dq_without_inputs : {false, true}) {
      SCOPED_TRACE(std::string(op) + (weight_dq_without_inputs ? ", weight DQ without inputs" : ", no weight"));
      Graph g;
      g.opsets[""] = 17;
      g.inputs = {{"x", DType::kUInt8, false, {}}};
      g.initializers["s"] = Tensor::scalar<float>(0.5f);
      g.initializers["z"] = Tensor::scalar<uint8_t>(128);
      testing::add_node(g, "DequantizeLinear", {"x", "s", "z"}, "xd");
      if (weight_dq_without_inputs) testing::add_node(g, "DequantizeLinear", {}, "wd");
      testing::add_node(
          g, op, weight_dq_without_inputs ? std::vector<std::string>{"xd", "wd"} : std::vector<std::string>{"xd"}, "y");
      g.outputs = {testing::f32_value("y", {})};
      const size_t before = g.nodes.size();
      lower_static(g);
      EXPECT_EQ(g.nodes.size(), before);
      EXPECT_EQ(g.nodes.back().op_type, op);
    }
  }
}

}  // namespace
}  // namespace octet
