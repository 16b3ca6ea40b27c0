#include "octet/debug.h"

#include <gtest/gtest.h>

#include <cmath>

#include "debug/debug_test_util.h"
#include "octet/error.h"
#include "octet/io.h"
#include "octet/quantize.h"
#include "onnx/import.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_value;

const std::string kSrc = OCTET_SOURCE_DIR;
const std::string kModels = kSrc + "/tests/fixtures/models/";

const LayerError& layer_of(const Comparison& c, const std::string& tensor) {
  for (const LayerError& l : c.layers)
    if (l.tensor == tensor) return l;
  throw std::runtime_error("no layer compares " + tensor);
}

TEST(Compare, IsolatedModeFeedsEachLayerTheFloatValuesAccumulatedCarriesTheError) {
  const testing::QdqChain chain;
  const std::map<std::string, Tensor> data = {{"x", Tensor::from_vector<float>({1, 1}, {0.45f})}};
  const Comparison c = compare_models(chain.float_model, chain.quantized, data);
  ASSERT_EQ(c.layers.size(), 3u);
  EXPECT_EQ(c.samples, 1);
  EXPECT_EQ(c.quantized_run, "QDQ as written");
  EXPECT_NEAR(layer_of(c, "y1").isolated.max_abs_err, 0.1, 1e-6);
  EXPECT_NEAR(layer_of(c, "y1").accumulated.max_abs_err, 0.1, 1e-6);
  EXPECT_NEAR(layer_of(c, "y2").isolated.max_abs_err, 0.6, 1e-6);
  EXPECT_NEAR(layer_of(c, "y2").accumulated.max_abs_err, 0.6, 1e-6);
  EXPECT_NEAR(layer_of(c, "y3").isolated.max_abs_err, 0.4, 1e-6);
  EXPECT_NEAR(layer_of(c, "y3").accumulated.max_abs_err, 0.6, 1e-6);
  // SQNR of one value: 10 log10(1.9^2 / 0.4^2).
  EXPECT_NEAR(layer_of(c, "y3").isolated.sqnr_db, 10 * std::log10(1.9 * 1.9 / (0.4 * 0.4)), 1e-4);
  EXPECT_EQ(layer_of(c, "y3").name, "y3_node");
  EXPECT_EQ(layer_of(c, "y3").op, "Add");
  // Lowest isolated SQNR first: y2 (0.6 on 1.4), y3 (0.4 on 1.9), y1 (0.1 on 0.9).
  EXPECT_EQ(c.layers[0].tensor, "y2");
  EXPECT_EQ(c.layers[1].tensor, "y3");
  EXPECT_EQ(c.layers[2].tensor, "y1");
}

TEST(Compare, RefusesSwappedUnquantizedAndUnrelatedModels) {
  const testing::QdqChain chain;
  const std::map<std::string, Tensor> data = {{"x", Tensor::from_vector<float>({1, 1}, {0.45f})}};
  CompareOptions options;
  options.float_name = "f.onnx";
  options.quantized_name = "q.onnx";
  auto message = [&](const Graph& f, const Graph& q) {
    try {
      compare_models(f, q, data, options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(chain.quantized, chain.float_model).find("f.onnx: holds quantization"), std::string::npos);
  EXPECT_NE(message(chain.float_model, chain.float_model).find("q.onnx: holds no quantization"), std::string::npos);
  Graph unrelated = chain.float_model;
  for (Node& n : unrelated.nodes)
    for (auto& o : n.outputs) o = "other_" + o;
  for (Node& n : unrelated.nodes)
    for (auto& in : n.inputs)
      if (in.rfind("y", 0) == 0) in = "other_" + in;
  unrelated.outputs = {f32_value("other_y3", {1})};
  EXPECT_NE(message(unrelated, chain.quantized).find("q.onnx: shares no quantized value with f.onnx"),
            std::string::npos);
}

// Two collapses, and compare shows each where it happens. The outlier channel of r takes the
// whole per-tensor activation range, so the other 15 channels quantize to zero: the layer reading
// r ("y_node") loses everything, in isolation too, with per-channel weights or not. Per-tensor
// weights crush the first layer's other channels the same way; its output SQNR hides that
// (channel 3 holds the energy) but its per-channel weight SQNR shows it.
TEST(Compare, ShowsThePlantedOutlierWhereItCollapses) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> data = {{"x", testing::sine_tensor({64, 8}, 0.3f)}};
  StaticQuantOptions options;
  options.bias_correction = false;
  for (bool per_channel : {false, true}) {
    options.per_channel = per_channel;
    const Comparison c = compare_models(f, quantize_static(f, data, options), data);
    ASSERT_EQ(c.layers.size(), 3u);
    EXPECT_EQ(c.layers.front().name, "y_node");
    EXPECT_LT(c.layers.front().isolated.sqnr_db, 3.0);
    const LayerError& h = layer_of(c, "h");
    EXPECT_GT(h.isolated.sqnr_db, 40.0);
    ASSERT_EQ(h.weights.size(), 1u);
    const WeightError& w = h.weights[0];
    EXPECT_EQ(w.axis, 0);
    ASSERT_EQ(w.channel_sqnr_db.size(), 16u);
    EXPECT_GT(w.channel_sqnr_db[3], 40.0);
    if (per_channel) {
      EXPECT_GT(w.channel_sqnr_db[w.worst_channel], 40.0);
    } else {
      EXPECT_LT(w.channel_sqnr_db[w.worst_channel], 1.0);
      EXPECT_NE(w.worst_channel, 3);
    }
  }
}

TEST(Compare, FindsEveryLayerOfAStaticCnnWithItsWeights) {
  const Graph f = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  auto calib = read_npz(kSrc + "/examples/mnist_calib.npz");
  StaticQuantOptions options;
  options.samples = 64;
  options.bias_correction_samples = 16;
  const Graph q = quantize_static(f, calib, options);
  CompareOptions copts;
  copts.samples = 40;
  copts.batch = 16;  // 40 = 16 + 16 + 8: a short last batch
  const Comparison c = compare_models(f, q, read_npz(kSrc + "/examples/mnist_test.npz"), copts);
  EXPECT_EQ(c.samples, 40);
  std::map<std::string, const LayerError*> by_name;
  for (const LayerError& l : c.layers) by_name[l.name] = &l;
  for (const char* name : {"/features/features.0/Conv", "/features/features.4/Conv", "/classifier/classifier.1/Gemm",
                           "/classifier/classifier.3/Gemm"}) {
    ASSERT_TRUE(by_name.count(name)) << name;
    const LayerError& l = *by_name[name];
    ASSERT_EQ(l.weights.size(), 1u) << name;        // the bias is rank 1: not a weight
    EXPECT_GT(l.weights[0].sqnr_db, 30.0) << name;  // against the BN-folded float weight
    EXPECT_GT(l.isolated.sqnr_db, 25.0) << name;
    EXPECT_GT(l.isolated.cosine, 0.99) << name;
  }
  // The fused Conv writes the BatchNormalization's output: compared under that name, reported as
  // the Conv.
  EXPECT_EQ(by_name["/features/features.0/Conv"]->tensor, "/features/features.1/BatchNormalization_output_0");
  for (size_t i = 1; i < c.layers.size(); ++i)
    EXPECT_LE(c.layers[i - 1].isolated.sqnr_db, c.layers[i].isolated.sqnr_db);
  EXPECT_TRUE(c.mismatches.empty());
}

TEST(Compare, DynamicModelsRunOnTheInt8Kernels) {
  const Graph f = load_onnx(kModels + "mlp_op17.onnx");
  const Graph q = quantize_dynamic(f, {});
  const Comparison c = compare_models(f, q, read_npz(kModels + "mlp_op17.inputs.npz"));
  EXPECT_EQ(c.quantized_run, "INT8 kernels");
  int weighted = 0;
  for (const Node& n : f.nodes) weighted += n.op_type == "Gemm" || n.op_type == "MatMul";
  int with_weights = 0;
  for (const LayerError& l : c.layers) {
    with_weights += !l.weights.empty();
    EXPECT_GT(l.accumulated.sqnr_db, 20.0) << l.name;
  }
  EXPECT_EQ(with_weights, weighted);
}

}  // namespace
}  // namespace octet
