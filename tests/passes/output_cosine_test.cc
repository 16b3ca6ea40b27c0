// The score observer "auto" ranks range rules by: the cosine of a model's outputs to the float
// model's, per sample, on the first calibration samples.
#include "passes/output_cosine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "octet/error.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_value;
using testing::sine_tensor;

// y = x * scale (scale [1, 4]): a batched model whose error is known exactly.
Graph scaled(const Tensor& scale) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs = {f32_value("x", {-1, 4})};
  g.outputs = {f32_value("y", {-1, 4})};
  g.initializers["s"] = scale;
  add_node(g, "Mul", {"x", "s"}, "y");
  return g;
}

Tensor row(std::vector<float> v) {
  Tensor t(DType::kFloat32, {1, static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

TEST(OutputCosine, ScoresSampleBySampleOnTheFirstSamples) {
  const Graph model = scaled(row({1, 1, 1, 1}));
  std::map<std::string, Tensor> calib{{"x", sine_tensor({50, 4}, 0.2f)}};
  const OutputCosine score(model, calib, DataLayout::kBatched, 32, 8, 1);
  EXPECT_EQ(score.samples(), 32);
  EXPECT_NEAR(score.score(model), 1.0, 1e-12);
  // A model scaling each element differently: the mean of the per-sample cosines of x and x * s.
  const Graph other = scaled(row({1, 2, 1, 1}));
  const Tensor& x = calib.at("x");
  double want = 0;
  for (int64_t i = 0; i < 32; ++i) {
    double dot = 0, aa = 0, bb = 0;
    for (int64_t j = 0; j < 4; ++j) {
      const double a = x.data<float>()[i * 4 + j], b = a * (j == 1 ? 2 : 1);
      dot += a * b, aa += a * a, bb += b * b;
    }
    want += dot / std::sqrt(aa * bb) / 32;
  }
  EXPECT_NEAR(score.score(other), want, 1e-9);
}

// Float outputs made elsewhere (by calibration, over the same batches) give the same scores.
TEST(OutputCosine, FloatOutputsMadeByCalibrationScoreTheSame) {
  const Graph model = scaled(row({1, 1, 1, 1})), other = scaled(row({1, 2, 1, 1}));
  std::map<std::string, Tensor> calib{{"x", sine_tensor({50, 4}, 0.2f)}};
  const OutputCosine own(model, calib, DataLayout::kBatched, 32, 8, 1);
  const OutputCosine::Batches batches = OutputCosine::batches(model, calib, DataLayout::kBatched, 32, 8);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches.back(), std::make_pair(int64_t{24}, int64_t{32}));
  Executor exec(model);
  std::vector<std::map<std::string, Tensor>> outputs;
  for (const auto& [b, e] : batches) outputs.push_back(exec.run(sample_feeds(calib, DataLayout::kBatched, b, e)));
  const OutputCosine given(calib, DataLayout::kBatched, batches, outputs, 1);
  EXPECT_EQ(given.samples(), 32);
  EXPECT_EQ(given.score(other), own.score(other));
  outputs.pop_back();
  EXPECT_THROW(OutputCosine(calib, DataLayout::kBatched, batches, outputs, 1), Error);
}

TEST(OutputCosine, FewerSamplesThanAskedAndStackedCalls) {
  const Graph model = testing::lstm_with_state_and_scalar();
  std::map<std::string, Tensor> calib{{"x", sine_tensor({5, 6, 1, 8}, 0.3f)},
                                      {"h0", sine_tensor({5, 1, 1, 16}, 0.9f)},
                                      {"rate", sine_tensor({5}, 0.5f)}};
  const OutputCosine score(model, calib, DataLayout::kStacked, 32, 32, 1);
  EXPECT_EQ(score.samples(), 5);
  EXPECT_NEAR(score.score(model), 1.0, 1e-12);
}

TEST(OutputCosine, AnOutputOfAnotherShapeIsNamed) {
  const Graph model = scaled(row({1, 1, 1, 1}));
  std::map<std::string, Tensor> calib{{"x", sine_tensor({4, 4}, 0.2f)}};
  const OutputCosine score(model, calib, DataLayout::kBatched, 32, 4, 1);
  Graph wider = model;
  wider.initializers["s"] = sine_tensor({4, 1, 4}, 0.1f);  // broadcasts y to [4, 4, 4]
  wider.outputs = {f32_value("y", {4, -1, 4})};
  try {
    score.score(wider);
    ADD_FAILURE() << "scored an output of another shape";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("output 'y' has shape [4,4,4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet
