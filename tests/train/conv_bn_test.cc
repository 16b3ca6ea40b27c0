// train/conv_bn.cc through QatGraph: a Conv+BatchNormalization pair trains its weight, bias and BN
// scale and shift with the BN folded into the weight; the gradients equal central finite
// differences of the loss, with batch statistics and with frozen ones; the running statistics
// move only with batch statistics; the fold reproduces fuse_conv_bn's weights bit for bit.
#include "train/conv_bn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "octet/io.h"
#include "octet/model.h"
#include "octet/samples.h"
#include "passes/fuse.h"
#include "passes/prepare.h"
#include "train/loss.h"
#include "train/qat_graph.h"

namespace octet::train {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

// The bundled CNN (Conv+BN+ReLU twice, pooling, two Gemms) with nothing quantized: the training
// forward is then a smooth function of the parameters.
struct FloatNet {
  Graph model = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  std::vector<ConvBn> pairs = find_conv_bns(model);
  QatGraph net = make();
  std::map<std::string, Tensor> x = slice_samples(read_npz(kSrc + "/examples/mnist_train.npz"), 0, 8);
  Tensor y = slice_samples({{"y", read_npy(kSrc + "/examples/mnist_train_labels.npy")}}, 0, 8).at("y");

  QatGraph make() {
    Graph fused = model;
    fuse_for_static_quantization(fused);
    QuantPlan plan = prepare(fused, quant::QConfigMapping(std::nullopt));
    return QatGraph(std::move(fused), std::move(plan), 1, pairs, &model);
  }
  double loss() { return softmax_cross_entropy(net.forward(x, QatGraph::Mode::kTrain).front(), y).value; }
};

void expect_gradients_match_finite_differences(FloatNet& f) {
  const Loss l = softmax_cross_entropy(f.net.forward(f.x, QatGraph::Mode::kTrain).front(), f.y);
  f.net.backward(l.grad);
  const std::map<std::string, Tensor> grads = f.net.gradients();
  std::mt19937 rng(3);
  for (const ConvBn& cb : f.pairs)
    for (const std::string& name : {cb.weight, cb.bias, cb.scale, cb.shift}) {
      ASSERT_TRUE(grads.count(name)) << name;
      Tensor& p = f.net.initializers().at(name);
      for (int k = 0; k < 4; ++k) {
        const int64_t i = std::uniform_int_distribution<int64_t>(0, p.numel() - 1)(rng);
        const float keep = p.data<float>()[i], h = 1e-2f;
        p.data<float>()[i] = keep + h;
        const double up = f.loss();
        p.data<float>()[i] = keep - h;
        const double down = f.loss();
        p.data<float>()[i] = keep;
        const double numeric = (up - down) / (2 * h), analytic = grads.at(name).data<float>()[i];
        EXPECT_NEAR(analytic, numeric, 2e-3 + 3e-2 * std::abs(numeric)) << name << "[" << i << "]";
      }
    }
}

TEST(ConvBn, FindsTheBundledCnnsPairsAndFoldsAsFuseConvBn) {
  FloatNet f;
  ASSERT_EQ(f.pairs.size(), 2u);
  EXPECT_EQ(f.net.batch_norms(), 2u);  // both adopted: the fold gave fuse_conv_bn's tensors bit for bit
  for (const ConvBn& cb : f.pairs) {
    EXPECT_TRUE(f.net.parameters().count(cb.scale));
    EXPECT_TRUE(f.net.parameters().count(cb.weight));
    EXPECT_FALSE(f.net.parameters().count(cb.mean));
  }
}

TEST(ConvBn, GradientsWithBatchStatisticsMatchFiniteDifferences) {
  FloatNet f;
  expect_gradients_match_finite_differences(f);
}

TEST(ConvBn, GradientsWithFrozenStatisticsMatchFiniteDifferences) {
  FloatNet f;
  f.net.freeze_batch_norm();
  expect_gradients_match_finite_differences(f);
}

TEST(ConvBn, RunningStatisticsMoveOnlyWithBatchStatistics) {
  FloatNet f;
  const std::string mean = f.pairs[0].mean;
  const Tensor before = f.net.initializers().at(mean).clone();
  f.net.forward(f.x, QatGraph::Mode::kEval);
  EXPECT_EQ(f.net.initializers().at(mean).data<float>()[0], before.data<float>()[0]);
  f.net.forward(f.x, QatGraph::Mode::kTrain);
  const float moved = f.net.initializers().at(mean).data<float>()[0];
  EXPECT_NE(moved, before.data<float>()[0]);
  f.net.freeze_batch_norm();
  f.net.forward(f.x, QatGraph::Mode::kTrain);
  EXPECT_EQ(f.net.initializers().at(mean).data<float>()[0], moved);
}

TEST(ConvBn, AZeroScaleChannelOutputsItsShiftWithoutNans) {
  FloatNet f;
  f.net.initializers().at(f.pairs[0].scale).data<float>()[0] = 0;
  const Loss l = softmax_cross_entropy(f.net.forward(f.x, QatGraph::Mode::kTrain).front(), f.y);
  EXPECT_TRUE(std::isfinite(l.value));
  f.net.backward(l.grad);
  for (const auto& [name, g] : f.net.gradients())
    for (int64_t i = 0; i < g.numel(); ++i) ASSERT_TRUE(std::isfinite(g.data<float>()[i])) << name;
}

}  // namespace
}  // namespace octet::train
