// optimize_for_inference: BNs folded away and constants computed, the same outputs as the model
// as given (up to float rounding).
#include <gtest/gtest.h>

#include <set>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/fold_constants.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

TEST(OptimizeForInference, FoldsEveryBatchNormAndKeepsTheOutputs) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  for (const char* name : {"resnet_op17", "mobilenetv2_op18", "lenet_op17", "transformer_op17"}) {
    SCOPED_TRACE(name);
    Graph g = load_onnx(dir + name + ".onnx");
    auto data = read_npz(dir + name + ".inputs.npz");
    Graph o = optimize_for_inference(g);
    EXPECT_EQ(testing::count_op(o, "BatchNormalization"), 0);
    EXPECT_LE(o.nodes.size() - testing::count_op(o, "Transpose"), g.nodes.size());  // channels_last adds edges
    auto want = Executor(g).run(data), got = Executor(o).run(data);
    ASSERT_EQ(want.size(), got.size());
    for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-5) << out;
  }
}

TEST(OptimizeForInference, TransformerBiasAddsJoinTheirMatMuls) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  Graph g = load_onnx(dir + "transformer_op17.onnx");
  Graph o = optimize_for_inference(g);
  fold_constants(g);  // the shape arithmetic (Adds among them) folds first
  const int fused = testing::count_op(o, "MatMulBias");
  EXPECT_GT(fused, 0);
  // The others are attention's, their head Transposes absorbed (fuse_transpose_matmul).
  EXPECT_EQ(testing::count_op(g, "MatMul") - testing::count_op(o, "MatMul"),
            fused + testing::count_op(o, "TransposedMatMul"));
  // The other Adds that went were each a GELU's 1 + erf (fuse_gelu) or a residual joining its
  // LayerNormalization (fuse_add_layernorm).
  EXPECT_GT(testing::count_op(o, "AddLayerNorm"), 0);
  EXPECT_EQ(testing::count_op(g, "Add") - testing::count_op(o, "Add"),
            fused + testing::count_op(o, "Gelu") + testing::count_op(o, "AddLayerNorm"));
  auto data = read_npz(dir + "transformer_op17.inputs.npz");
  for (int threads : {1, 2}) {
    auto want = Executor(g, {.threads = threads}).run(data), got = Executor(o, {.threads = threads}).run(data);
    for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-5) << out;
  }
}

TEST(OptimizeForInference, ReluAndClipJoinTheirConvolutions) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  for (const char* name : {"mobilenetv2_op17", "mobilenetv2_op18", "resnet_op17"}) {
    SCOPED_TRACE(name);
    Graph g = load_onnx(dir + name + ".onnx");
    Graph o = optimize_for_inference(g);
    int fused = 0;  // ConvPostOps nodes that took a Relu or Clip (others a HardSwish, or only a residual)
    for (const Node& n : o.nodes)
      fused += n.op_type == "ConvPostOps" &&
               (n.attr_string("activation", "") == "Relu" || n.attr_string("activation", "") == "Clip");
    EXPECT_GT(fused, 0);
    EXPECT_EQ(testing::count_op(g, "Relu") + testing::count_op(g, "Clip") - testing::count_op(o, "Relu") -
                  testing::count_op(o, "Clip"),
              fused);
    auto data = read_npz(dir + name + ".inputs.npz");
    for (int threads : {1, 2}) {
      auto want = Executor(g, {.threads = threads}).run(data), got = Executor(o, {.threads = threads}).run(data);
      for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-5) << out;
    }
  }
}

// An EfficientNet / MobileNetV3-style net as exporters write it: the TF-"same" Pads computed from
// the input size fold into the convolutions, every activation joins its convolution (SiLU as
// Swish), and the whole net, squeeze-excite, per-channel scale, Resize and Concat included, runs
// channels-last with one Transpose in and one out.
TEST(OptimizeForInference, EffNetRunsAsConvolutionsInOneRegion) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  for (const char* name : {"effnet_op17", "effnet_op18"}) {
    SCOPED_TRACE(name);
    Graph g = load_onnx(dir + name + ".onnx");
    ASSERT_GT(testing::count_op(g, "Pad"), 0);
    Graph o = optimize_for_inference(g);
    for (const char* gone : {"Pad", "Shape", "Gather", "Ceil", "Sigmoid", "HardSwish", "HardSigmoid", "Clip"})
      EXPECT_EQ(testing::count_op(o, gone), 0) << gone;
    std::set<std::string> activations;
    for (const Node& n : o.nodes)
      if (n.op_type == "ConvPostOps") activations.insert(n.attr_string("activation", ""));
    for (const char* act : {"Swish", "HardSwish", "Relu", "Sigmoid", "HardSigmoid"})
      EXPECT_TRUE(activations.count(act)) << act;
    EXPECT_EQ(testing::count_op(o, "Transpose"), 2);
    auto data = read_npz(dir + name + ".inputs.npz");
    auto want = read_npz(dir + name + ".ort.npz");
    for (int threads : {1, 2}) {
      auto got = Executor(o, {.threads = threads}).run(data);
      for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-4) << out;
    }
  }
}

TEST(OptimizeForInference, MnistExampleLosesItsBatchNorms) {
  Graph g = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  ASSERT_GT(testing::count_op(g, "BatchNormalization"), 0);
  EXPECT_EQ(testing::count_op(optimize_for_inference(g), "BatchNormalization"), 0);
}

}  // namespace
}  // namespace octet
