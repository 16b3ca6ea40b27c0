// The debugging options of the CLI (docs/debugging.md) on the bundled MNIST CNN, quantized here:
// inspect --qparams [--data] [--json] and run --stats [--reference].
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "cli/cli_test_util.h"

namespace octet {
namespace {

using namespace octet::testing;

// Every line fits a 120-column terminal.
void expect_fits_120_columns(const std::string& out) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 120u) << line;
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
    for (const char* key : {"name", "node", "kind", "dtype", "axis", "scale", "zero_point", "range", "observed", "clipped", "flags"})
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

}  // namespace
}  // namespace octet
