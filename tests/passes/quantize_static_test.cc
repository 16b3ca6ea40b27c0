// Static PTQ end to end on the bundled MNIST CNN (real data) and on hand-built graphs: the QDQ
// structure convert promises, determinism, the qconfig choices, and accuracy of the QDQ model.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <set>

#include "kernels/qmath.h"
#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/output_cosine.h"
#include "quant/weight_quant.h"

namespace octet {
namespace {

const std::string kExamples = std::string(OCTET_SOURCE_DIR) + "/examples/";

struct Mnist {
  Graph model = load_onnx(kExamples + "mnist_cnn.onnx");
  std::map<std::string, Tensor> calib = slice_samples(read_npz(kExamples + "mnist_calib.npz"), 0, 128);
  std::map<std::string, Tensor> test = slice_samples(read_npz(kExamples + "mnist_test.npz"), 0, 400);
  Tensor labels = read_npy(kExamples + "mnist_test_labels.npy");
};

const Mnist& mnist() {
  static Mnist m;
  return m;
}

double top1(const Graph& g, const std::map<std::string, Tensor>& data, const Tensor& labels) {
  Executor exec(g);
  Tensor logits = exec.run(data).at(g.outputs.at(0).name);
  int64_t n = logits.dim(0), c = logits.dim(1), correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = logits.data<float>() + i * c;
    correct += std::max_element(row, row + c) - row == labels.as_int64(i);
  }
  return 100.0 * correct / n;
}

StaticQuantOptions fast_options() {
  StaticQuantOptions o;
  o.observer = "minmax";
  o.batch = 64;
  return o;
}

const Node* producer(const Graph& g, const std::string& value) {
  for (const Node& n : g.nodes)
    for (const auto& o : n.outputs)
      if (o == value) return &n;
  return nullptr;
}

TEST(QuantizeStatic, MnistQdqKeepsAccuracy) {
  const Mnist& m = mnist();
  QuantizeReport report;
  for (const char* observer : {"minmax", "histogram"}) {
    StaticQuantOptions o = fast_options();
    o.observer = observer;
    Graph q = quantize_static(m.model, m.calib, o, &report);
    double fp32 = top1(m.model, m.test, m.labels), int8 = top1(q, m.test, m.labels);
    EXPECT_GE(int8, fp32 - 1.0) << observer;
  }
  EXPECT_LT(report.quantized_weight_bytes * 3, report.fp32_weight_bytes);
  for (const Node& n : m.model.nodes) {
    if (n.op_type != "Conv" && n.op_type != "Gemm" && n.op_type != "MatMul") continue;
    EXPECT_NE(std::find(report.quantized_nodes.begin(), report.quantized_nodes.end(), n.name),
              report.quantized_nodes.end())
        << n.name << " was not quantized";
  }
}

TEST(QuantizeStatic, WeightsAreInt8PerChannelAndBiasOnTheInt32GridOfTheProductScale) {
  const Mnist& m = mnist();
  Graph q = quantize_static(m.model, m.calib, fast_options());
  int convs = 0;
  for (const Node& n : q.nodes) {
    if (n.op_type != "Conv" && n.op_type != "Gemm") continue;
    ++convs;
    const Node* wdq = producer(q, n.inputs[1]);
    ASSERT_TRUE(wdq && wdq->op_type == "DequantizeLinear") << n.name;
    EXPECT_EQ(q.find_initializer(wdq->inputs[0])->dtype(), DType::kInt8);
    const Tensor& ws = *q.find_initializer(wdq->inputs[1]);
    const int64_t channels = n.op_type == "Conv"
                                 ? q.find_initializer(wdq->inputs[0])->dim(0)
                                 : q.find_initializer(wdq->inputs[0])->dim(n.attr_int("transB", 0) ? 0 : 1);
    EXPECT_EQ(ws.numel(), channels) << n.name;
    EXPECT_EQ(wdq->attr_int("axis", 1), n.op_type == "Conv" || n.attr_int("transB", 0) ? 0 : 1);
    const Node* xdq = producer(q, n.inputs[0]);
    ASSERT_TRUE(xdq && xdq->op_type == "DequantizeLinear") << n.name;
    const float xs = q.find_initializer(xdq->inputs[1])->data<float>()[0];
    // The bias: float values on the int32 grid of step x_scale * w_scale[c] (convert.cc).
    const testing::GridBias bias = testing::grid_bias(q, n);
    ASSERT_TRUE(bias.values && bias.values->dtype() == DType::kFloat32) << n.name;
    ASSERT_EQ(static_cast<int64_t>(bias.steps.size()), channels) << n.name;
    for (int64_t c = 0; c < channels; ++c) {
      EXPECT_EQ(bias.steps[c], xs * ws.data<float>()[c]);
      const float b = bias.values->data<float>()[c];
      const auto code = static_cast<int32_t>(quant::bias_code(b, bias.steps[c]));
      EXPECT_EQ(dequantize_value<int32_t>(code, bias.steps[c], 0), b) << n.name << " channel " << c;
    }
  }
  EXPECT_GE(convs, 2);
}

// 7-bit weights: every weight code in -64..64 (the GEMMs' vpmaddubsw path is exact for them,
// kernels/qgemm.h weights_fit_7bit), and the model as accurate as with 8-bit weights.
TEST(QuantizeStatic, ReduceWeightRangeWritesSevenBitWeightsAndKeepsAccuracy) {
  const Mnist& m = mnist();
  StaticQuantOptions o = fast_options();
  o.reduce_weight_range = true;
  Graph q = quantize_static(m.model, m.calib, o);
  const testing::Int8Codes codes = testing::int8_codes(q);
  EXPECT_GE(codes.tensors, 2);
  EXPECT_LE(codes.max_abs, 64);
  EXPECT_GE(top1(q, m.test, m.labels), top1(m.model, m.test, m.labels) - 1.0);
  // The qconfig's weight field does the same for the nodes it names.
  o.reduce_weight_range = false;
  o.config_json = R"({"global": {"weight": {"reduce_range": true}}})";
  Graph from_config = quantize_static(m.model, m.calib, o);
  for (const auto& [name, t] : q.initializers) {
    if (t.dtype() != DType::kInt8) continue;
    const Tensor* c = from_config.find_initializer(name);
    ASSERT_TRUE(c && c->numel() == t.numel()) << name;
    EXPECT_EQ(0, std::memcmp(c->data<int8_t>(), t.data<int8_t>(), t.numel())) << name;
  }
}

TEST(QuantizeStatic, FusedReluHasNoQuantizationInside) {
  const Mnist& m = mnist();
  Graph q = quantize_static(m.model, m.calib, fast_options());
  for (const Node& n : q.nodes) {
    if (n.op_type != "Relu") continue;
    const Node* p = producer(q, n.inputs[0]);
    ASSERT_TRUE(p);
    EXPECT_NE(p->op_type, "DequantizeLinear") << n.name << " reads a dequantized value: Conv+Relu not fused";
  }
}

TEST(QuantizeStatic, SameDataGivesByteIdenticalModels) {
  const Mnist& m = mnist();
  StaticQuantOptions o = fast_options();
  o.observer = "histogram";
  std::string a = export_onnx(quantize_static(m.model, m.calib, o)).SerializeAsString();
  std::string b = export_onnx(quantize_static(m.model, m.calib, o)).SerializeAsString();
  EXPECT_EQ(a, b);
}

TEST(QuantizeStatic, ExportedModelLoadsBackAndComputesTheSame) {
  const Mnist& m = mnist();
  Graph q = quantize_static(m.model, m.calib, fast_options());
  Graph back = import_onnx(export_onnx(q), "", "round trip");
  auto feeds = slice_samples(m.test, 0, 16);
  Tensor a = Executor(q).run(feeds).begin()->second, b = Executor(back).run(feeds).begin()->second;
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a.data<float>()[i], b.data<float>()[i]);
  EXPECT_EQ(q.outputs.at(0).name, m.model.outputs.at(0).name);
}

TEST(QuantizeStatic, ExcludeAndConfigKeepNodesFloat) {
  const Mnist& m = mnist();
  std::string first_conv;
  for (const Node& n : m.model.nodes)
    if (n.op_type == "Conv" && first_conv.empty()) first_conv = n.name;
  StaticQuantOptions o = fast_options();
  o.exclude = {first_conv};
  o.config_json = R"({"op_type": {"Gemm": null}})";
  QuantizeReport report;
  Graph q = quantize_static(m.model, m.calib, o, &report);
  for (const Node& n : q.nodes) {
    if (n.name == first_conv || n.op_type == "Gemm") {
      const Node* w = producer(q, n.inputs[1]);
      EXPECT_TRUE(w == nullptr || w->op_type != "DequantizeLinear") << n.name << " was quantized";
    }
  }
  bool listed = false;
  for (const auto& f : report.float_nodes) listed |= f.rfind(first_conv + ":", 0) == 0;
  EXPECT_TRUE(listed);
  o.exclude = {"no_such_node"};
  try {
    quantize_static(m.model, m.calib, o);
    ADD_FAILURE() << "an unknown node name accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("StaticQuantOptions::exclude: the model has no node named 'no_such_node'"),
              std::string::npos)
        << e.what();
  }
}

TEST(QuantizeStatic, PerTensorAndS8Activations) {
  const Mnist& m = mnist();
  StaticQuantOptions o = fast_options();
  o.per_channel = false;
  o.act_dtype = DType::kInt8;
  Graph q = quantize_static(m.model, m.calib, o);
  int qnodes = 0;
  for (const Node& n : q.nodes) {
    if (n.op_type == "QuantizeLinear") {
      ++qnodes;
      EXPECT_EQ(q.find_initializer(n.inputs[2])->dtype(), DType::kInt8);
    }
    const Tensor* codes = n.op_type == "DequantizeLinear" ? q.find_initializer(n.inputs[0]) : nullptr;
    if (codes && codes->dtype() == DType::kInt8) {
      EXPECT_EQ(q.find_initializer(n.inputs[1])->numel(), 1);
    }
  }
  EXPECT_GT(qnodes, 0);
  EXPECT_GE(top1(q, m.test, m.labels), top1(m.model, m.test, m.labels) - 2.0);
}

// Relabelled opset 12, the CNN's BatchNormalization keeps opset 15's training_mode attribute: the
// version converter's output fails ONNX's checker, so the model keeps its opset, its weights go per
// tensor, and the report says why (passes/upgrade_opset.h).
TEST(QuantizeStatic, BelowOpset13AModelTheConverterCannotRaiseIsPerTensorAndSaid) {
  Graph g = mnist().model;
  g.opsets[""] = 12;
  QuantizeReport report;
  Graph q = quantize_static(g, mnist().calib, fast_options(), &report);
  EXPECT_EQ(q.opsets.at(""), 12);
  for (const Node& n : q.nodes) EXPECT_FALSE(n.has_attr("axis") && n.op_type == "DequantizeLinear") << n.name;
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("opset 12 kept"), std::string::npos) << report.notes[0];
}

// y = x * w + b with tiny weights and a large bias: the int32 bias would overflow with the
// weight's own scale, so convert raises that scale.
TEST(QuantizeStatic, HugeBiasDoesNotOverflowInt32) {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{-1, "batch"}, {4, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, true, {{-1, "batch"}, {2, ""}}});
  g.initializers["w"] = Tensor::from_vector<float>({4, 2}, {1e-7f, -1e-7f, 2e-7f, 0, 0, 1e-7f, -3e-7f, 1e-7f});
  g.initializers["b"] = Tensor::from_vector<float>({2}, {5000.0f, -7000.0f});
  Node n;
  n.name = "fc";
  n.op_type = "Gemm";
  n.opset = 17;
  n.inputs = {"x", "w", "b"};
  n.outputs = {"y"};
  g.nodes.push_back(n);
  std::map<std::string, Tensor> calib{
      {"x", Tensor::from_vector<float>({2, 4}, {0.001f, -0.002f, 0.003f, 0.0f, -0.001f, 0.002f, 0.0f, 0.004f})}};
  Graph q = quantize_static(g, calib, fast_options());
  const Node& fc = *std::find_if(q.nodes.begin(), q.nodes.end(), [](const Node& n) { return n.op_type == "Gemm"; });
  const testing::GridBias bias = testing::grid_bias(q, fc);
  ASSERT_TRUE(bias.values);
  for (int64_t c = 0; c < 2; ++c) {
    const float b = g.initializers.at("b").data<float>()[c];
    const double code = quant::bias_code(bias.values->data<float>()[c], bias.steps[c]);
    EXPECT_LE(std::abs(code), double(int64_t{1} << 30));  // the guard's headroom
    EXPECT_NEAR(code * bias.steps[c], b, std::abs(b) * 1e-6);
  }
  // The output itself is quantized over [-7000, 5000]: within one step of the float result.
  Tensor y = Executor(q).run({{"x", calib.at("x")}}).at("y");
  const float step = 12000.0f / 255;
  EXPECT_NEAR(y.data<float>()[0], 5000.0f, step);
  EXPECT_NEAR(y.data<float>()[1], -7000.0f, step);
}

// Residual adds, pools, HardSwish, ReLU6, flatten: every fixture CNN quantizes, and its QDQ model
// stays close to fp32 on the data it was calibrated on.
TEST(QuantizeStatic, FixtureModelsStayCloseToFp32) {
  const std::string dir = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";
  for (const char* name : {"mlp_op17", "lenet_op17", "resnet_op17", "mobilenetv2_op18"}) {
    Graph g = load_onnx(dir + name + ".onnx");
    auto data = read_npz(dir + name + ".inputs.npz");
    QuantizeReport report;
    Graph q = quantize_static(g, data, fast_options(), &report);
    EXPECT_FALSE(report.quantized_nodes.empty()) << name;
    Tensor ref = Executor(g).run(data).begin()->second, got = Executor(q).run(data).begin()->second;
    double dot = 0, rr = 0, gg = 0;
    for (int64_t i = 0; i < ref.numel(); ++i) {
      dot += double(ref.data<float>()[i]) * got.data<float>()[i];
      rr += double(ref.data<float>()[i]) * ref.data<float>()[i];
      gg += double(got.data<float>()[i]) * got.data<float>()[i];
    }
    EXPECT_GT(dot / std::sqrt(rr * gg), 0.99) << name;
  }
}

// observer "auto" reads one calibration's histograms with each range rule, converts with each
// without bias correction, and keeps the rule whose outputs come closest to fp32: the model it
// writes is the one that rule gives calibrated alone, bias correction included when asked for.
TEST(QuantizeStatic, AutoObserverKeepsTheBestRangeRuleAndSaysSo) {
  const Mnist& m = mnist();
  for (bool bias_correction : {true, false}) {
    SCOPED_TRACE(bias_correction ? "bias correction" : "no bias correction");
    StaticQuantOptions o = fast_options();
    o.observer = "auto";
    o.bias_correction = bias_correction;
    QuantizeReport report;
    const Graph q = quantize_static(m.model, m.calib, o, &report);
    std::string note;
    for (const std::string& n : report.notes)
      if (n.rfind("observer auto: '", 0) == 0) note = n;
    ASSERT_FALSE(note.empty()) << "no observer auto note";
    EXPECT_EQ(note.find("before bias correction") != std::string::npos, bias_correction) << note;
    const std::string rule = note.substr(16, note.find('\'', 16) - 16);
    double best = -1, chosen = -1;
    for (const char* kind : {"histogram", "entropy", "mse", "percentile"}) {
      const size_t at = note.find(std::string(kind) + " 0.");
      ASSERT_NE(at, std::string::npos) << kind << " missing from: " << note;
      const double score = std::stod(note.substr(at + std::strlen(kind) + 1));
      best = std::max(best, score);
      if (rule == kind) chosen = score;
    }
    EXPECT_EQ(chosen, best) << note;
    EXPECT_EQ(report.output_cosine_samples, 32);
    o.observer = rule;
    QuantizeReport alone;
    EXPECT_EQ(export_onnx(q).SerializeAsString(),
              export_onnx(quantize_static(m.model, m.calib, o, &alone)).SerializeAsString())
        << rule;
    // The score of the model written: the rule's own, after bias correction where it ran.
    EXPECT_EQ(report.output_cosine, alone.output_cosine);
    if (!bias_correction) EXPECT_NEAR(report.output_cosine, chosen, 5e-6) << note;
  }
}

TEST(QuantizeStatic, ReportsTheOutputCosineOnTheFirstCalibrationSamples) {
  const Mnist& m = mnist();
  QuantizeReport report;
  const Graph q = quantize_static(m.model, slice_samples(m.calib, 0, 20), fast_options(), &report);
  EXPECT_EQ(report.output_cosine_samples, 20);
  // The float outputs come from the calibration pass (of the fused model): the score of a float
  // pass of its own, to float rounding.
  const std::map<std::string, Tensor> first20 = slice_samples(m.calib, 0, 20);
  const OutputCosine own(m.model, first20, DataLayout::kBatched, 32, 64, 1);
  EXPECT_NEAR(report.output_cosine, own.score(q), 1e-9);
  EXPECT_GT(report.output_cosine, 0.99);
  EXPECT_LE(report.output_cosine, 1.0 + 1e-9);
  for (const std::string& n : report.notes) EXPECT_EQ(n.find("observer auto"), std::string::npos) << n;
}

TEST(QuantizeStatic, CalibrationErrorsNameTheInput) {
  const Mnist& m = mnist();
  std::map<std::string, Tensor> wrong{{"not_an_input", m.calib.begin()->second}};
  try {
    quantize_static(m.model, wrong, fast_options());
    ADD_FAILURE() << "accepted calibration data without the graph input";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(m.model.inputs.at(0).name), std::string::npos) << e.what();
  }
  StaticQuantOptions o = fast_options();
  o.observer = "nonsense";
  EXPECT_THROW(quantize_static(m.model, m.calib, o), Error);
}

TEST(QuantizeStatic, NonFiniteCalibrationValuesNameTheSampleAndElement) {
  const Mnist& m = mnist();
  const std::string input = m.model.inputs.at(0).name;
  for (float bad : {std::nanf(""), INFINITY}) {
    std::map<std::string, Tensor> calib = slice_samples(m.calib, 0, 8);
    const int64_t per_sample = calib.at(input).numel() / 8;
    calib.at(input).data<float>()[3 * per_sample + 100] = bad;
    try {
      quantize_static(m.model, calib, fast_options());
      ADD_FAILURE() << "quantized on a non-finite calibration value";
    } catch (const Error& e) {
      const std::string want = "'" + input + "' sample 3, element 100 is " + (std::isnan(bad) ? "NaN" : "+inf");
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  }
}

TEST(QuantizeStatic, StackedCalibrationDataRunsOneCallPerSample) {
  const Graph model = testing::lstm_with_state_and_scalar();
  const int64_t n = 12;
  std::map<std::string, Tensor> calib{{"x", testing::sine_tensor({n, 6, 1, 8}, 0.3f)},
                                      {"h0", testing::sine_tensor({n, 1, 1, 16}, 0.9f)},
                                      {"rate", testing::sine_tensor({n}, 0.5f)}};
  EXPECT_EQ(resolve_data_layout(model, calib, DataLayout::kAuto, "calib"), DataLayout::kStacked);
  StaticQuantOptions o = fast_options();
  std::vector<int64_t> progress;
  o.progress = [&](int64_t done, int64_t total) { progress = {done, total}; };
  const Graph q = quantize_static(model, calib, o);
  EXPECT_EQ(progress.at(0), progress.at(1));
  EXPECT_GT(testing::count_op(q, "QuantizeLinear"), 0);
  // Each sample within a few quantization steps of the output's calibrated range (a sample whose
  // rate is near 0 has a tiny output: its error is measured against the range, not itself).
  Executor fp(model), qdq(q);
  std::vector<Tensor> want, got;
  double range = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto feeds = sample_feeds(calib, DataLayout::kStacked, i, i + 1);
    want.push_back(fp.run(feeds).at("y"));
    got.push_back(qdq.run(feeds).at("y"));
    ASSERT_EQ(got.back().shape(), (Shape{1, 4}));
    for (int64_t j = 0; j < 4; ++j) range = std::max(range, std::fabs(want.back().as_double(j)));
  }
  for (int64_t i = 0; i < n; ++i) EXPECT_LT(testing::max_abs_diff(want[i], got[i]), 0.03 * range) << "sample " << i;
  o.calib_layout = DataLayout::kBatched;
  try {
    quantize_static(model, calib, o);
    ADD_FAILURE() << "stacked data accepted as batched";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x' has rank 4 for an input of rank 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet
