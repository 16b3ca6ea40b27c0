// The debugging tools of the CLI (docs/debugging.md) on the bundled MNIST CNN, quantized here:
// inspect --qparams [--data] [--json], run --stats [--reference], compare, sensitivity and
// quantize --max-drop.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "cli/cli_test_util.h"
#include "onnx/export.h"
#include "onnx/import.h"

namespace octet {
namespace {

using namespace octet::testing;

// Every line fits a 120-column terminal, but those naming a file (as long as the path given).
void expect_fits_120_columns(const std::string& out) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(kSrc) == std::string::npos) EXPECT_LE(line.size(), 120u) << line;
}

TEST(DebugCli, InspectQparamsTableAndJson) {
  TempDir tmp;
  const std::string model = quantized_mnist(tmp);
  Result table = octet("inspect --qparams " + model);
  ASSERT_EQ(table.status, 0) << table.out;
  expect_fits_120_columns(table.out);
  EXPECT_NE(table.out.find("clipped lo/hi"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" act  u8 "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" w    s8 "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("0 errors"), std::string::npos) << table.out;
  // Without --qparams, inspect prints the graph table as before.
  Result graph = octet("inspect " + model);
  ASSERT_EQ(graph.status, 0) << graph.out;
  EXPECT_EQ(graph.out.find("clipped lo/hi"), std::string::npos) << graph.out;

  Result json = octet("inspect --qparams --json --data " + kExamples + "mnist_test.npz " + model);
  ASSERT_EQ(json.status, 0) << json.out;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j.at("data"), kExamples + "mnist_test.npz");
  int activations = 0, weights = 0;
  for (const auto& t : j.at("tensors")) {
    for (const char* key :
         {"name", "node", "kind", "dtype", "axis", "scale", "zero_point", "range", "observed", "clipped", "flags"})
      EXPECT_TRUE(t.contains(key)) << key << " missing in " << t.dump();
    for (const auto& f : t.at("flags")) EXPECT_NE(f.at("severity"), "error") << f.dump();
    if (t.at("kind") == "weight") {
      ++weights;
      EXPECT_EQ(t.at("dtype"), "int8");
      EXPECT_TRUE(t.at("axis").is_number()) << "octet quantizes weights per channel: " << t.dump();
      EXPECT_EQ(t.at("zero_point").at(0), 0);
    } else if (t.at("kind") == "activation" && !t.at("observed").is_null()) {
      ++activations;
      EXPECT_EQ(t.at("dtype"), "uint8");
      // 1000 samples went through every quantized activation.
      EXPECT_EQ(t.at("observed").at("count").get<int64_t>() % 1000, 0) << t.dump();
      const double low = t.at("clipped").at("low"), high = t.at("clipped").at("high");
      EXPECT_GE(low, 0);
      EXPECT_LT(low + high, 0.05) << "test data far outside the calibrated range: " << t.dump();
      const double lo = t.at("range").at(0), hi = t.at("range").at(1);
      EXPECT_LE(lo, 0);
      EXPECT_GT(hi, 0);
    }
  }
  EXPECT_GE(activations, 5);
  EXPECT_GE(weights, 4);
}

TEST(DebugCli, InspectQparamsUsageAndBadInput) {
  EXPECT_EQ(octet("inspect --data " + kExamples + "mnist_test.npz " + kExamples + "mnist_cnn.onnx").status, 2);
  EXPECT_EQ(octet("inspect --qparams --lowered " + kExamples + "mnist_cnn.onnx").status, 2);
  Result fp32 = octet("inspect --qparams " + kExamples + "mnist_cnn.onnx");
  EXPECT_EQ(fp32.status, 0) << fp32.out;
  EXPECT_NE(fp32.out.find("nothing quantized to check"), std::string::npos) << fp32.out;
  expect_error("inspect --qparams " + kBad + "truncated.onnx", "truncated.onnx: not a valid ONNX model");
  expect_error("inspect --qparams " + kBad + "garbage.onnx", "garbage.onnx: not a valid ONNX model");
  expect_error("inspect --qparams " + kBad + "external_missing.onnx", "tensor 'w'");
  expect_error("inspect --qparams " + kBad + "does_not_exist.onnx", "does_not_exist.onnx: cannot open");
  // Data the model does not take: the file and the input are named.
  TempDir tmp;
  const std::string model = quantized_mnist(tmp);
  expect_error("inspect --qparams " + model + " --data " + kBad + "mlp_input.npy",
               "mlp_input.npy: input 'input': expected shape");
  expect_error("inspect --qparams " + model + " --data " + kBad + "truncated.npy", "truncated.npy");
}

TEST(DebugCli, RunStatsLoweredAndReference) {
  TempDir tmp;
  const std::string model = quantized_mnist(tmp);
  const std::string data = " --data " + kExamples + "mnist_test.npz";
  for (const std::string mode : {"", " --reference"}) {
    Result r = octet("run --stats " + model + data + mode);
    ASSERT_EQ(r.status, 0) << r.out;
    const size_t table = r.out.find("saturation: ");
    ASSERT_NE(table, std::string::npos) << r.out;
    expect_fits_120_columns(r.out.substr(table));  // the outputs' line before it is run's own
    // The MNIST background (-0.4242) is the low end of the input's calibrated range: code 0.
    EXPECT_NE(r.out.find("! input_quantized "), std::string::npos) << r.out;
    EXPECT_LT(r.out.find("float32 [1000,10]"), table) << "the table comes after the outputs:\n" << r.out;
    EXPECT_NE(r.out.find(" u8 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" quantized tensors above 1.00%"), std::string::npos) << r.out;
  }
  expect_error("run --stats " + model + " --data " + kBad + "truncated.npy", "truncated.npy");
  Result fp32 = octet("run --stats " + kExamples + "mnist_cnn.onnx" + data);
  ASSERT_EQ(fp32.status, 0) << fp32.out;
  EXPECT_NE(fp32.out.find("has no quantized tensors"), std::string::npos) << fp32.out;
}

TEST(DebugCli, CompareLayersWorstFirstAsTableAndJson) {
  TempDir tmp;
  const std::string q = quantized_mnist(tmp);
  const std::string args =
      "compare " + kExamples + "mnist_cnn.onnx " + q + " --data " + kExamples + "mnist_test.npz --samples 50";
  Result table = octet(args);
  ASSERT_EQ(table.status, 0) << table.out;
  EXPECT_NE(table.out.find("on 50 samples"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("/features/features.4/Conv"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("worst layer: "), std::string::npos) << table.out;
  Result json = octet(args + " --json --top 3");
  ASSERT_EQ(json.status, 0) << json.out;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["layers"].size(), 3u);
  EXPECT_EQ(j["samples"], 50);
  double last = -1e9;
  for (const auto& l : j["layers"]) {
    for (const char* key : {"name", "op", "sqnr_db", "sqnr_db_accumulated", "cosine", "max_abs_err", "weights"})
      EXPECT_TRUE(l.contains(key)) << key;
    EXPECT_GE(l["sqnr_db"].get<double>(), last);
    last = l["sqnr_db"].get<double>();
  }
  // The models the wrong way round, and a quantized model that is not this one's.
  expect_error("compare " + q + " " + kExamples + "mnist_cnn.onnx --data " + kExamples + "mnist_test.npz",
               q + ": holds quantization");
  // Another model sharing only the output's name ("logits") runs, with a warning.
  Result other = octet("compare " + kExamples + "mobilenetv2.onnx " + q + " --data " + kExamples + "mnist_test.npz");
  EXPECT_NE(other.out.find("warning: only 0 of the "), std::string::npos) << other.out;
  EXPECT_EQ(octet("compare " + kExamples + "mnist_cnn.onnx " + q).status, 2);  // --data missing
}

TEST(DebugCli, SensitivityTableAndJson) {
  const std::string args = "sensitivity " + kExamples + "mnist_cnn.onnx --mode static --calib " + kExamples +
                           "mnist_calib.npz --samples 64 --data " + kExamples + "mnist_test.npz";
  Result table = octet(args + " --labels " + kExamples + "mnist_test_labels.npy");
  ASSERT_EQ(table.status, 0) << table.out;
  EXPECT_NE(table.out.find("fp32: top-1 97.10 %"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("only it quantized"), std::string::npos) << table.out;
  expect_fits_120_columns(table.out);
  Result json = octet(args + " --json --metric cosine");
  ASSERT_EQ(json.status, 0) << json.out;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["metric"], "cosine");
  EXPECT_EQ(j["float"], 1.0);
  ASSERT_EQ(j["layers"].size(), 7u);  // 2 Conv, 2 Gemm, 2 MaxPool, Flatten
  for (size_t i = 1; i < j["layers"].size(); ++i)
    EXPECT_LE(j["layers"][i - 1]["only_quantized"].get<double>(), j["layers"][i]["only_quantized"].get<double>());
  expect_error(args + " --labels " + kExamples + "mnist_calib.npz", "mnist_calib.npz");
  EXPECT_EQ(octet(args + " --metric top1").status, 2);  // top-1 needs labels
  EXPECT_EQ(octet(args + " --metric cosine --labels " + kExamples + "mnist_test_labels.npy").status, 2);
  EXPECT_EQ(
      octet("sensitivity " + kExamples + "mnist_cnn.onnx --mode static --data " + kExamples + "mnist_test.npz").status,
      2);  // --calib missing
}

TEST(DebugCli, QuantizeMaxDropPrintsItsSteps) {
  TempDir tmp;
  const std::string base = "quantize " + kExamples + "mnist_cnn.onnx --mode static --calib " + kExamples +
                           "mnist_calib.npz --samples 64 -o " + tmp / "q.onnx";
  // By cosine, a bound the fully quantized model misses: layers go to float until it holds.
  Result r = octet(base + " --max-drop 0.00002 --eval " + kExamples + "mnist_test.npz");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("all quantized: cosine 0.9999"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  keep /"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("within the bound: cosine"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("excluded by the qconfig"), std::string::npos) << r.out;  // the summary's float ops
  EXPECT_TRUE(std::filesystem::exists(tmp / "q.onnx"));
  // By top-1, with labels: already within 1 point.
  Result top1 = octet(base + " --max-drop 1 --eval " + kExamples + "mnist_test.npz --labels " + kExamples +
                      "mnist_test_labels.npy");
  ASSERT_EQ(top1.status, 0) << top1.out;
  EXPECT_NE(top1.out.find("with 0 layers in float"), std::string::npos) << top1.out;
  EXPECT_EQ(octet(base + " --max-drop 1").status, 2);                            // no --eval
  EXPECT_EQ(octet(base + " --eval " + kExamples + "mnist_test.npz").status, 2);  // no --max-drop
  expect_error(base + " --max-drop 1 --eval " + kExamples + "mnist_test.npz --labels " + kExamples + "mnist_test.npz",
               "mnist_test.npz");
}

// The planted fault of docs/debugging.md on the bundled CNN: hidden unit 5 of the classifier
// scaled up 1000x (its weights and bias) and the next layer's weights from it scaled down, so the
// float model is unchanged (ReLU is positively homogeneous). Per-tensor activation quantization
// of the hidden layer collapses: every tool must point at it, and --max-drop must recover.
std::string planted_mnist(const TempDir& tmp) {
  Graph g = load_onnx(kExamples + "mnist_cnn.onnx");
  const int64_t c = 5;
  float* w1 = g.initializers.at("classifier.1.weight").data<float>();
  for (int64_t k = 0; k < 1568; ++k) w1[c * 1568 + k] *= 1000.0f;
  g.initializers.at("classifier.1.bias").data<float>()[c] *= 1000.0f;
  float* w2 = g.initializers.at("classifier.3.weight").data<float>();
  for (int64_t n = 0; n < 10; ++n) w2[n * 64 + c] /= 1000.0f;
  const std::string path = tmp / "planted.onnx";
  save_onnx(g, path);
  return path;
}

TEST(DebugCli, PlantedOutlierFoundByEveryToolAndRecoveredByMaxDrop) {
  TempDir tmp;
  const std::string planted = planted_mnist(tmp), q = tmp / "planted.int8.onnx", fixed = tmp / "fixed.int8.onnx";
  const std::string data = " --data " + kExamples + "mnist_test.npz";
  const std::string labels = " --labels " + kExamples + "mnist_test_labels.npy";
  EXPECT_NE(octet("eval " + planted + data + labels).out.find("top-1: 97.10%"), std::string::npos);
  ASSERT_EQ(
      octet("quantize " + planted + " -o " + q + " --mode static --calib " + kExamples + "mnist_calib.npz").status, 0);
  Result collapsed = octet("eval " + q + data + labels);
  EXPECT_NE(collapsed.out.find("top-1: 1"), std::string::npos) << collapsed.out;  // 10-19 %: chance
  // compare: the layer reading the collapsed activation first, far below the rest.
  const auto c = nlohmann::json::parse(octet("compare " + planted + " " + q + data + " --json").out);
  EXPECT_EQ(c["layers"][0]["name"], "/classifier/classifier.3/Gemm");
  EXPECT_LT(c["layers"][0]["sqnr_db"].get<double>(), 3.0);
  EXPECT_GT(c["layers"][1]["sqnr_db"].get<double>(), 25.0);
  // inspect --qparams: the outlier channel of that activation, and of the weight writing it.
  const auto qp = nlohmann::json::parse(octet("inspect --qparams " + q + data + " --json").out);
  std::set<std::string> outliers;
  for (const auto& t : qp["tensors"])
    for (const auto& f : t["flags"])
      if (f["code"] == "outlier_channel") outliers.insert(t["name"].get<std::string>());
  EXPECT_TRUE(outliers.count("/classifier/classifier.2/Relu_output_0")) << qp.dump();
  EXPECT_TRUE(outliers.count("classifier.1.weight_quantized")) << qp.dump();
  // --max-drop: within 1 point of fp32 top-1, the classifier layers kept in float.
  Result r = octet("quantize " + planted + " -o " + fixed + " --mode static --calib " + kExamples +
                   "mnist_calib.npz --max-drop 1 --eval " + kExamples + "mnist_test.npz" + labels);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("keep /classifier/classifier.3/Gemm"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("within the bound"), std::string::npos) << r.out;
  Result recovered = octet("eval " + fixed + data + labels);
  EXPECT_NE(recovered.out.find("top-1: 9"), std::string::npos) << recovered.out;
  const double top1 = std::stod(recovered.out.substr(recovered.out.find("top-1: ") + 7));
  EXPECT_GE(top1, 96.1) << recovered.out;
}

}  // namespace
}  // namespace octet
