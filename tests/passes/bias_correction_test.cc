// Bias correction on the bundled MobileNetV2-style CNN (real digits) and on a hand-built graph:
// every quantized layer's mean output error ends in its bias, layers are corrected level by
// level, a layer without a bias gets one, and shared or aliased bias tensors are never written.
#include "passes/bias_correction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/fold_constants.h"
#include "passes/fuse.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_value;

const std::string kExamples = std::string(OCTET_SOURCE_DIR) + "/examples/";

struct Prepared {
  Graph fused;
  QuantPlan plan;
  std::map<std::string, std::unique_ptr<quant::Observer>> observers;
};

Prepared prepare_and_calibrate(const Graph& model, const std::map<std::string, Tensor>& calib,
                               const CalibrationOptions& copts) {
  Prepared p{model, {}, {}};
  fold_constants(p.fused);
  fuse_for_quantization(p.fused);
  p.plan = prepare(p.fused, quant::QConfigMapping(quant::default_qconfig()));
  add_missing_biases(p.fused, p.plan);
  p.observers = calibrate(p.fused, p.plan, calib, copts);
  return p;
}

// Mean per channel (axis 1) of the output of every Conv and Gemm, by node name.
std::map<std::string, std::vector<double>> conv_means(const Graph& g, const std::map<std::string, Tensor>& data) {
  std::map<std::string, std::string> node_of;
  for (const Node& n : g.nodes)
    if (n.op_type == "Conv" || n.op_type == "Gemm") node_of[n.outputs[0]] = n.name;
  std::map<std::string, std::vector<double>> means;
  Executor exec(g);
  exec.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
    auto it = node_of.find(value);
    if (it == node_of.end()) return;
    const int64_t c = t.dim(1), inner = t.numel() / (t.dim(0) * c);
    std::vector<double>& m = means[it->second];
    m.assign(c, 0.0);
    for (int64_t i = 0; i < t.numel(); ++i) m[(i / inner) % c] += t.data<float>()[i] / double(t.numel() / c);
  });
  exec.run(data);
  return means;
}

// The bias stored for each quantized Conv and Gemm of a QDQ graph, by node name.
std::map<std::string, const Tensor*> stored_biases(const Graph& q) {
  std::map<std::string, const Tensor*> biases;
  for (const Node& n : q.nodes)
    if ((n.op_type == "Conv" || n.op_type == "Gemm") && n.has_input(2))
      if (const Tensor* b = q.find_initializer(n.inputs[2])) biases[n.name] = b;
  return biases;
}

double worst_gap(const std::map<std::string, std::vector<double>>& a,
                 const std::map<std::string, std::vector<double>>& b) {
  double worst = 0;
  for (const auto& [name, m] : a)
    for (size_t c = 0; c < m.size(); ++c) worst = std::max(worst, std::fabs(m[c] - b.at(name)[c]));
  return worst;
}

// The corrected QDQ model's layer means equal the float model's on the data the correction saw, in
// every layer (a downstream correction never disturbs an upstream layer), up to the int32 rounding of
// the new bias: half a step of x_scale * w_scale.
TEST(BiasCorrection, QuantizedLayerMeansMatchTheFloatModel) {
  Graph model = load_onnx(kExamples + "mobilenetv2.onnx");
  auto calib = slice_samples(read_npz(kExamples + "mnist_calib.npz"), 0, 96);
  CalibrationOptions copts{-1, 32, 1, nullptr};
  Prepared p = prepare_and_calibrate(model, calib, copts);
  const auto want = conv_means(p.fused, calib);
  const auto uncorrected = conv_means(convert(p.fused, p.plan, p.observers), calib);
  Graph q = convert_with_bias_correction(p.fused, p.plan, p.observers, calib, copts);
  const auto got = conv_means(q, calib);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_GT(worst_gap(want, uncorrected), 1e-2);
  for (const Node& n : q.nodes) {
    if (!got.count(n.name)) continue;
    const testing::GridBias bias = testing::grid_bias(q, n);
    ASSERT_TRUE(bias.values) << n.name;
    const std::vector<double>&w = want.at(n.name), &g = got.at(n.name);
    ASSERT_EQ(bias.steps.size(), w.size()) << n.name;
    for (size_t c = 0; c < w.size(); ++c)
      EXPECT_NEAR(g[c], w[c], 0.5 * bias.steps[c] + 1e-4) << n.name << " channel " << c;
  }
}

// The float means gathered by a hook on the calibration pass over the same samples are the ones
// the correction's own float pass computes: the corrected biases agree bit for bit, and progress
// counts one pass fewer.
TEST(BiasCorrection, ReferenceFromCalibrationMatchesItsOwnFloatPass) {
  Graph model = load_onnx(kExamples + "mobilenetv2.onnx");
  auto calib = slice_samples(read_npz(kExamples + "mnist_calib.npz"), 0, 64);
  CalibrationOptions copts{-1, 32, 1, nullptr};
  Prepared own = prepare_and_calibrate(model, calib, copts);
  Prepared shared{model, {}, {}};
  fold_constants(shared.fused);
  fuse_for_quantization(shared.fused);
  shared.plan = prepare(shared.fused, quant::QConfigMapping(quant::default_qconfig()));
  add_missing_biases(shared.fused, shared.plan);
  BiasReference reference(shared.fused, shared.plan);
  shared.observers = calibrate(shared.fused, shared.plan, calib, copts, reference.hook());
  ASSERT_FALSE(reference.means().empty());
  for (const auto& [name, m] : reference.means()) EXPECT_EQ(m.count % 64, 0) << name;

  std::vector<int64_t> seen_own, seen_shared;
  copts.progress = [&](int64_t done, int64_t total) { seen_own = {done, total}; };
  const Graph a = convert_with_bias_correction(own.fused, own.plan, own.observers, calib, copts);
  copts.progress = [&](int64_t done, int64_t total) { seen_shared = {done, total}; };
  const Graph b =
      convert_with_bias_correction(shared.fused, shared.plan, shared.observers, calib, copts, nullptr, &reference);
  const int64_t passes = bias_correction_passes(own.fused, own.plan);
  EXPECT_EQ(seen_own, (std::vector<int64_t>{passes * 64, passes * 64}));
  EXPECT_EQ(seen_shared, (std::vector<int64_t>{(passes - 1) * 64, (passes - 1) * 64}));
  const auto ba = stored_biases(a), bb = stored_biases(b);
  ASSERT_FALSE(ba.empty());
  ASSERT_EQ(ba.size(), bb.size());
  for (const auto& [layer, t] : ba) {
    ASSERT_TRUE(bb.count(layer)) << layer;
    const Tensor& u = *bb.at(layer);
    ASSERT_EQ(u.numel(), t->numel()) << layer;
    EXPECT_EQ(std::memcmp(t->data<float>(), u.data<float>(), sizeof(float) * u.numel()), 0) << layer;
  }
}

// The original model's tensors are shared with the fused copy: the correction must not reach them.
TEST(BiasCorrection, NeverWritesIntoTheInputModel) {
  Graph model = load_onnx(kExamples + "mnist_cnn.onnx");
  std::map<std::string, std::vector<float>> original;
  for (const auto& [name, t] : model.initializers)
    if (t.dtype() == DType::kFloat32) original[name].assign(t.data<float>(), t.data<float>() + t.numel());
  StaticQuantOptions o;
  o.observer = "minmax";
  quantize_static(model, slice_samples(read_npz(kExamples + "mnist_calib.npz"), 0, 64), o);
  for (const auto& [name, values] : original) {
    const Tensor& t = model.initializers.at(name);
    EXPECT_TRUE(std::equal(values.begin(), values.end(), t.data<float>())) << name << " changed";
  }
}

// Two Convs without bias reading one input (one level), then a Gemm (the next level) sharing its
// bias tensor with an Add.
Graph two_convs_and_shared_bias() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back(f32_value("x", {-1, 2, 5, 5}));
  g.outputs.push_back(f32_value("y", {-1, 3}));
  g.outputs.push_back(f32_value("z", {-1, 3}));
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.7f * i) * 0.3f;
  g.initializers["w1"] = Tensor::from_vector<float>({3, 2, 3, 3}, w);
  for (float& v : w) v = -v * 0.9f + 0.01f;
  g.initializers["w2"] = Tensor::from_vector<float>({3, 2, 3, 3}, w);
  add_node(g, "Conv", {"x", "w1"}, "c1");
  add_node(g, "Conv", {"x", "w2"}, "c2");
  add_node(g, "Add", {"c1", "c2"}, "s");
  add_node(g, "GlobalAveragePool", {"s"}, "p");
  add_node(g, "Flatten", {"p"}, "f");
  g.initializers["fw"] =
      Tensor::from_vector<float>({3, 3}, {0.5f, -0.25f, 0.125f, 0.3f, 0.2f, -0.7f, 0.05f, 0.9f, -0.4f});
  g.initializers["b"] = Tensor::from_vector<float>({3}, {0.1f, -0.2f, 0.3f});
  add_node(g, "Gemm", {"f", "fw", "b"}, "y");
  add_node(g, "Add", {"y", "b"}, "z");
  return g;
}

TEST(BiasCorrection, AddsMissingBiasesAndCopiesSharedOnes) {
  Graph g = two_convs_and_shared_bias();
  std::vector<float> x(40 * 2 * 5 * 5);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.37f * i) + 0.5f;
  std::map<std::string, Tensor> calib{{"x", Tensor::from_vector<float>({40, 2, 5, 5}, x)}};
  CalibrationOptions copts{-1, 16, 1, nullptr};
  Prepared p = prepare_and_calibrate(g, calib, copts);
  for (const Node& n : p.fused.nodes) {
    if (n.op_type != "Conv") continue;
    ASSERT_TRUE(n.has_input(2)) << n.name << " got no bias";
    const Tensor& b = *p.fused.find_initializer(n.inputs[2]);
    EXPECT_EQ(b.shape(), Shape{3});
    for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(b.data<float>()[c], 0.0f);
  }
  EXPECT_EQ(bias_correction_passes(p.fused, p.plan), 3) << "a float pass, the two Convs, then the Gemm";
  std::vector<int64_t> seen;
  copts.progress = [&](int64_t done, int64_t total) { seen = {done, total}; };
  convert_with_bias_correction(p.fused, p.plan, p.observers, calib, copts);
  EXPECT_EQ(seen, (std::vector<int64_t>{120, 120}));
  const Node& gemm =
      *std::find_if(p.fused.nodes.begin(), p.fused.nodes.end(), [](const Node& n) { return n.op_type == "Gemm"; });
  EXPECT_NE(gemm.inputs[2], "b") << "the bias the Add also reads was corrected in place";
  EXPECT_EQ(p.fused.initializers.at("b").data<float>()[1], -0.2f);
  EXPECT_NE(p.fused.find_initializer(gemm.inputs[2])->data<float>()[1], -0.2f);
}

TEST(BiasCorrection, OptionTurnsItOffAndProgressCountsEveryPass) {
  Graph model = load_onnx(kExamples + "mnist_cnn.onnx");
  auto calib = slice_samples(read_npz(kExamples + "mnist_calib.npz"), 0, 64);
  StaticQuantOptions on, off;
  on.observer = off.observer = "minmax";
  on.bias_correction_samples = 32;
  off.bias_correction = false;
  std::vector<int64_t> progress_on, progress_off;
  on.progress = [&](int64_t done, int64_t total) { progress_on = {done, total}; };
  off.progress = [&](int64_t done, int64_t total) { progress_off = {done, total}; };
  Graph a = quantize_static(model, calib, on), b = quantize_static(model, calib, off);
  ASSERT_EQ(progress_on.size(), 2u);
  EXPECT_EQ(progress_on[0], progress_on[1]);
  EXPECT_EQ((progress_on[1] - 64) % 32, 0) << "calibration, then passes over 32 samples";
  EXPECT_GE(progress_on[1], 64 + 2 * 32);
  EXPECT_EQ(progress_off, (std::vector<int64_t>{64, 64}));
  int differing = 0;
  const auto ba = stored_biases(a), bb = stored_biases(b);
  for (const auto& [layer, t] : ba)
    if (bb.count(layer))
      differing += std::memcmp(t->data<float>(), bb.at(layer)->data<float>(), sizeof(float) * t->numel()) != 0;
  EXPECT_GT(differing, 0) << "bias correction changed no bias";
}

}  // namespace
}  // namespace octet
