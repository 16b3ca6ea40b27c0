// BatchNormalization folding keeps the float function for every producer kind (Conv of any rank and
// group, ConvTranspose with groups, Gemm in all its forms, rank-2 MatMul) and refuses the cases
// where folding would change the graph's function or interface; a per-channel scale and shift
// (Mul, Add, Sub, Div by a constant) fold the same way.
#include "passes/fuse_conv_bn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"

namespace octet {
namespace {

using testing::attr_float;
using testing::attr_int;
using testing::attr_ints;
using testing::count_op;
using testing::max_rel_diff;

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

Tensor random_tensor(std::mt19937& rng, Shape shape, float lo, float hi) {
  Tensor t(DType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

// x -> head (reading "x" and the constants `consts`, in that order, writing "h") -> BN over
// `channels` channels with random statistics -> "y".
Graph head_bn_graph(std::mt19937& rng, const std::string& op, Shape x_shape,
                    std::vector<std::pair<std::string, Tensor>> consts, int64_t channels,
                    std::map<std::string, Attribute> attrs = {}) {
  Graph g;
  g.opsets[""] = 17;
  ValueInfo x{"x", DType::kFloat32, true, {}};
  for (int64_t d : x_shape) x.shape.push_back(Dim{d, ""});
  g.inputs.push_back(x);
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  Node head{"head", op, "", 17, {"x"}, {"h"}, std::move(attrs)};
  for (auto& [name, t] : consts) {
    head.inputs.push_back(name);
    if (t.defined()) g.initializers[name] = t;
  }
  g.initializers["gamma"] = random_tensor(rng, {channels}, 0.5f, 2.0f);
  g.initializers["beta"] = random_tensor(rng, {channels}, -1.0f, 1.0f);
  g.initializers["mean"] = random_tensor(rng, {channels}, -1.0f, 1.0f);
  g.initializers["var"] = random_tensor(rng, {channels}, 0.1f, 3.0f);
  Node bn{"bn", "BatchNormalization", "", 17, {"h", "gamma", "beta", "mean", "var"}, {"y"}, {}};
  bn.attrs["epsilon"] = attr_float(1e-3f);
  g.nodes = {head, bn};
  return g;
}

// Folds the BN of `g` and checks the graph is one `want_op` node computing the same function.
void expect_folded(Graph g, std::mt19937& rng, const std::string& want_op) {
  const Shape x_shape = [&] {
    Shape s;
    for (const Dim& d : g.inputs[0].shape) s.push_back(d.value);
    return s;
  }();
  const std::map<std::string, Tensor> feeds = {{"x", random_tensor(rng, x_shape, -2.0f, 2.0f)}};
  const Tensor want = Executor(g).run(feeds).at("y");
  ASSERT_EQ(fuse_conv_bn(g), 1) << want_op;
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op_type, want_op);
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  EXPECT_FALSE(g.initializers.count("gamma")) << "BN parameters are dropped";
  EXPECT_LE(max_rel_diff(want, Executor(g).run(feeds).at("y")), 1e-5) << want_op;
}

TEST(FuseConvBn, ConvOfAnyRankAndGroupWithOrWithoutBias) {
  std::mt19937 rng(1);
  expect_folded(head_bn_graph(rng, "Conv", {2, 4, 6, 5},
                              {{"w", random_tensor(rng, {6, 4, 3, 3}, -1, 1)}, {"b", random_tensor(rng, {6}, -1, 1)}},
                              6, {{"pads", attr_ints({1, 1, 1, 1})}}),
                rng, "Conv");
  expect_folded(head_bn_graph(rng, "Conv", {1, 4, 5, 5}, {{"w", random_tensor(rng, {4, 1, 3, 3}, -1, 1)}}, 4,
                              {{"group", attr_int(4)}}),
                rng, "Conv");
  expect_folded(
      head_bn_graph(rng, "Conv", {2, 4, 9}, {{"w", random_tensor(rng, {6, 2, 3}, -1, 1)}}, 6, {{"group", attr_int(2)}}),
      rng, "Conv");
}

TEST(FuseConvBn, ConvTransposeChannelsFollowWeightAxisOnePerGroup) {
  std::mt19937 rng(2);
  expect_folded(head_bn_graph(rng, "ConvTranspose", {1, 4, 5, 5},
                              {{"w", random_tensor(rng, {4, 3, 3, 3}, -1, 1)}, {"b", random_tensor(rng, {3}, -1, 1)}},
                              3, {{"strides", attr_ints({2, 2})}}),
                rng, "ConvTranspose");
  // group 2: input channels 0-1 feed outputs 0-2, input channels 2-3 feed outputs 3-5.
  expect_folded(head_bn_graph(rng, "ConvTranspose", {2, 4, 4, 4}, {{"w", random_tensor(rng, {4, 3, 2, 2}, -1, 1)}}, 6,
                              {{"group", attr_int(2)}}),
                rng, "ConvTranspose");
  expect_folded(head_bn_graph(rng, "ConvTranspose", {1, 6, 4, 4}, {{"w", random_tensor(rng, {6, 1, 3, 3}, -1, 1)}}, 6,
                              {{"group", attr_int(6)}}),
                rng, "ConvTranspose");
}

TEST(FuseConvBn, GemmAnyTransBAlphaBetaAndBiasShape) {
  std::mt19937 rng(3);
  expect_folded(head_bn_graph(rng, "Gemm", {3, 5},
                              {{"w", random_tensor(rng, {5, 4}, -1, 1)}, {"c", random_tensor(rng, {4}, -1, 1)}}, 4,
                              {{"alpha", attr_float(0.5f)}, {"beta", attr_float(2.0f)}}),
                rng, "Gemm");
  expect_folded(
      head_bn_graph(rng, "Gemm", {3, 5}, {{"w", random_tensor(rng, {4, 5}, -1, 1)}}, 4, {{"transB", attr_int(1)}}), rng,
      "Gemm");
  expect_folded(head_bn_graph(rng, "Gemm", {5, 3},
                              {{"w", random_tensor(rng, {4, 5}, -1, 1)}, {"c", random_tensor(rng, {1}, -1, 1)}}, 4,
                              {{"transA", attr_int(1)}, {"transB", attr_int(1)}, {"beta", attr_float(-1.0f)}}),
                rng, "Gemm");
  expect_folded(head_bn_graph(rng, "Gemm", {3, 5},
                              {{"w", random_tensor(rng, {5, 4}, -1, 1)}, {"c", random_tensor(rng, {1, 4}, -1, 1)}}, 4),
                rng, "Gemm");
}

TEST(FuseConvBn, RankTwoMatMulBecomesGemm) {
  std::mt19937 rng(4);
  expect_folded(head_bn_graph(rng, "MatMul", {3, 5}, {{"w", random_tensor(rng, {5, 4}, -1, 1)}}, 4), rng, "Gemm");
}

TEST(FuseConvBn, RefusesProducersWhoseChannelsAreNotPerFeature) {
  std::mt19937 rng(5);
  // C of shape [M, N] is not one value per channel.
  Graph gemm = head_bn_graph(rng, "Gemm", {3, 5},
                             {{"w", random_tensor(rng, {5, 4}, -1, 1)}, {"c", random_tensor(rng, {3, 4}, -1, 1)}}, 4);
  EXPECT_EQ(fuse_conv_bn(gemm), 0);
  // MatMul [2, 4, 5] x [5, 4] -> [2, 4, 4]: BN's channel axis 1 is not the feature axis.
  Graph mm = head_bn_graph(rng, "MatMul", {2, 4, 5}, {{"w", random_tensor(rng, {5, 4}, -1, 1)}}, 4);
  EXPECT_EQ(fuse_conv_bn(mm), 0);
  // A weight that is a graph input is not a constant.
  Graph conv = head_bn_graph(rng, "Conv", {1, 2, 3, 3}, {{"w", Tensor()}}, 2);
  conv.inputs.push_back({"w", DType::kFloat32, true, {{2, ""}, {2, ""}, {1, ""}, {1, ""}}});
  EXPECT_EQ(fuse_conv_bn(conv), 0);
  EXPECT_EQ(conv.nodes.size(), 2u);
}

Graph conv_bn_graph(bool conv_output_also_read, bool conv_output_is_graph_output, bool bn_param_is_input) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{1, ""}, {2, ""}, {3, ""}, {3, ""}}});
  if (bn_param_is_input) g.inputs.push_back({"gamma", DType::kFloat32, true, {{2, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  g.initializers["w"] = Tensor::from_vector<float>({2, 2, 1, 1}, {1, 2, 3, 4});
  if (!bn_param_is_input) g.initializers["gamma"] = Tensor::from_vector<float>({2}, {2, 0.5f});
  g.initializers["beta"] = Tensor::from_vector<float>({2}, {0.1f, -0.2f});
  g.initializers["mean"] = Tensor::from_vector<float>({2}, {1, -1});
  g.initializers["var"] = Tensor::from_vector<float>({2}, {4, 0.25f});
  g.value_info["c"] = {"c", DType::kFloat32, true, {{1, ""}, {2, ""}, {3, ""}, {3, ""}}};
  Node conv{"conv", "Conv", "", 17, {"x", "w"}, {"c"}, {}};
  Node bn{"bn", "BatchNormalization", "", 17, {"c", "gamma", "beta", "mean", "var"}, {"y"}, {}};
  g.nodes = {conv, bn};
  if (conv_output_also_read) {
    g.nodes.push_back(Node{"relu", "Relu", "", 17, {"c"}, {"r"}, {}});
    g.outputs.push_back({"r", DType::kFloat32, false, {}});
  }
  if (conv_output_is_graph_output) g.outputs.push_back({"c", DType::kFloat32, false, {}});
  return g;
}

TEST(FuseConvBn, FoldsHandBuiltPairExactlyAsTheFormula) {
  Graph g = conv_bn_graph(false, false, false);
  ASSERT_EQ(fuse_conv_bn(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& conv = g.nodes[0];
  ASSERT_EQ(conv.inputs.size(), 3u);
  // (F1): k = gamma / sqrt(var + eps), w' = w k, b' = (0 - mean) k + beta.
  const double k0 = 2 / std::sqrt(4 + 1e-5), k1 = 0.5 / std::sqrt(0.25 + 1e-5);
  const float* w = g.initializers.at(conv.inputs[1]).data<float>();
  const float* b = g.initializers.at(conv.inputs[2]).data<float>();
  EXPECT_FLOAT_EQ(w[0], 1 * k0);
  EXPECT_FLOAT_EQ(w[1], 2 * k0);
  EXPECT_FLOAT_EQ(w[2], 3 * k1);
  EXPECT_FLOAT_EQ(w[3], 4 * k1);
  EXPECT_FLOAT_EQ(b[0], -1 * k0 + 0.1);
  EXPECT_FLOAT_EQ(b[1], 1 * k1 - 0.2);
  EXPECT_FALSE(g.initializers.count("w")) << "the unfolded weight is read by nobody now";
  EXPECT_FALSE(g.value_info.count("c")) << "value_info of the removed value is dropped";
}

void expect_refused(Graph g, const char* why) {
  const size_t nodes = g.nodes.size();
  EXPECT_EQ(fuse_conv_bn(g), 0) << why;
  EXPECT_EQ(g.nodes.size(), nodes) << why;
}

TEST(FuseConvBn, RefusesWhenFoldingWouldChangeTheGraph) {
  expect_refused(conv_bn_graph(true, false, false), "Conv output read by another node");
  expect_refused(conv_bn_graph(false, true, false), "Conv output is a graph output");
  expect_refused(conv_bn_graph(false, false, true), "BN parameter is not a constant");
  Graph d = conv_bn_graph(false, false, false);
  d.nodes[1].outputs.push_back("running_mean");
  expect_refused(d, "BN writes its running statistics");
  Graph e = conv_bn_graph(false, false, false);
  e.initializers["mean"] = Tensor::from_vector<float>({3}, {0, 0, 0});
  expect_refused(e, "BN parameter with the wrong channel count");
}

// x -> Conv (8 channels) -> `op`(y, c) -> z, c of `c_shape`; `c_first` puts the constant first.
Graph conv_then_constant(std::mt19937& rng, const std::string& op, Shape c_shape, bool c_first = false) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 3, 6, 6})};
  g.initializers = {{"w", random_tensor(rng, {8, 3, 3, 3}, -1, 1)},
                    {"b", random_tensor(rng, {8}, -1, 1)},
                    {"c", random_tensor(rng, std::move(c_shape), 0.5f, 2)}};
  testing::add_node(g, "Conv", {"x", "w", "b"}, "y");
  g.value_info["y"] = testing::f32_value("y", {2, 8, 4, 4});
  testing::add_node(g, op, c_first ? std::vector<std::string>{"c", "y"} : std::vector<std::string>{"y", "c"}, "z");
  g.outputs = {testing::f32_value("z", {})};
  return g;
}

TEST(FuseConvBn, PerChannelScaleAndShiftFoldIntoTheConv) {
  std::mt19937 rng(21);
  const Tensor x = random_tensor(rng, {2, 3, 6, 6}, -1, 1);
  for (const char* op : {"Mul", "Add", "Sub", "Div"})
    for (const Shape& c : {Shape{}, Shape{1}, Shape{8, 1, 1}, Shape{1, 8, 1, 1}}) {
      SCOPED_TRACE(cat(op, " by ", shape_str(c)));
      Graph g = conv_then_constant(rng, op, c);
      Graph folded = g;
      ASSERT_EQ(fuse_conv_bn(folded), 1);
      ASSERT_EQ(folded.nodes.size(), 1u);
      EXPECT_EQ(folded.nodes[0].outputs[0], "z");
      testing::expect_same_outputs(g, folded, {{"x", x}}, 1e-5);
    }
  Graph mul_first = conv_then_constant(rng, "Mul", {8, 1, 1}, true);  // c * y folds too
  EXPECT_EQ(fuse_conv_bn(mul_first), 1);
}

TEST(FuseConvBn, ConstantsNotPerChannelStay) {
  std::mt19937 rng(22);
  for (auto [op, c, first] : {std::tuple{"Mul", Shape{1, 1, 4, 4}, false},  // per pixel
                              std::tuple{"Add", Shape{8, 4, 4}, false},     // per channel and pixel
                              std::tuple{"Sub", Shape{8, 1, 1}, true},      // c - y
                              std::tuple{"Div", Shape{1}, true}}) {         // c / y
    Graph g = conv_then_constant(rng, op, c, first);
    EXPECT_EQ(fuse_conv_bn(g), 0) << op << " " << shape_str(c);
  }
}

TEST(FuseConvBn, FixturesComputeTheSameFunction) {
  for (const char* name : {"resnet_op17", "resnet_op18", "mobilenetv2_op18", "lenet_op17"}) {
    Graph g = load_onnx(kModels + std::string(name) + ".onnx");
    auto feeds = read_npz(kModels + std::string(name) + ".inputs.npz");
    const int bns = count_op(g, "BatchNormalization");
    Graph f = g;
    const int folded = fuse_conv_bn(f);
    EXPECT_EQ(count_op(f, "BatchNormalization"), bns - folded) << name;
    EXPECT_EQ(f.nodes.size(), g.nodes.size() - folded) << name;
    auto want = Executor(g).run(feeds), got = Executor(f).run(feeds);
    for (const auto& [out, t] : want) EXPECT_LE(max_rel_diff(t, got.at(out)), 1e-5) << name << " " << out;
    EXPECT_EQ(fuse_conv_bn(f), 0) << name << ": idempotent";
  }
  Graph resnet = load_onnx(kModels + "resnet_op17.onnx");
  const int bns = count_op(resnet, "BatchNormalization");
  EXPECT_GT(bns, 0) << "the ResNet fixture keeps BN after its convolutions";
  EXPECT_EQ(fuse_conv_bn(resnet), bns) << "every BN there follows a Conv";
}

}  // namespace
}  // namespace octet
