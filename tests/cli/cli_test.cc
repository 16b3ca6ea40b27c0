// The CLI contract (DESIGN.md "The CLI"): exit 0 done, 1 bad input with "octet: error: ..." naming
// the file, node or value at fault, 2 bad usage. Runs the built binary (cli/cli_test_util.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.h"
#include "kernels/dispatch.h"
#include "octet/io.h"
#include "onnx/export.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

namespace fs = std::filesystem;
using namespace octet::testing;

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(octet("").status, 2);
  Result unknown = octet("frobnicate m.onnx");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("unknown verb 'frobnicate'"), std::string::npos) << unknown.out;
  EXPECT_EQ(octet("run").status, 2);  // MODEL missing
  EXPECT_EQ(octet("bench m.onnx --threads 0").status, 2);
  EXPECT_EQ(octet("--help").status, 0);
}

TEST(Cli, BadModelFilesNameTheFile) {
  expect_error("inspect " + kBad + "truncated.onnx", "truncated.onnx: not a valid ONNX model");
  expect_error("inspect " + kBad + "garbage.onnx", "garbage.onnx: not a valid ONNX model");
  expect_error("run " + kBad + "does_not_exist.onnx", "does_not_exist.onnx: cannot open");
}

TEST(Cli, UnsupportedOperatorNamesNodeOpAndOpset) {
  // An op ONNX does not define is refused by ONNX's checker, before octet's registry is asked.
  expect_error("bench " + kBad + "unsupported_foo.onnx --iters 1",
               "node 'foo0' (Foo): not valid ONNX (ONNX checker): No Op registered for Foo with domain_version of 17");
  expect_error("bench " + kBad + "unsupported_nms.onnx --iters 1", "node 'nms0' (op 'NonMaxSuppression', opset ");
  Result r = octet("bench " + kBad + "unsupported_nms.onnx --iters 1");
  EXPECT_NE(r.out.find("unsupported operator"), std::string::npos) << r.out;
}

TEST(Cli, ExternalDataProblemsNameTheValue) {
  expect_error("inspect " + kBad + "external_missing.onnx", "tensor 'w'");
  expect_error("inspect " + kBad + "external_escape.onnx", "leaves the model's folder");
  expect_error("inspect " + kBad + "external_absolute.onnx", "is an absolute path");
  expect_error("inspect " + kBad + "external_symlink.onnx", "resolves outside the model's folder");
}

TEST(Cli, BadInputsNameTheInput) {
  std::string mlp = kModels + "mlp_op17.onnx";
  expect_error("run " + mlp + " -i nosuch=" + kBad + "mlp_input.npy", "no input 'nosuch'");
  expect_error("run " + mlp + " -i input=" + kBad + "mlp_input_wrong_dtype.npy",
               "input 'input': expected dtype float32");
  expect_error("run " + mlp + " -i input=" + kBad + "mlp_input_wrong_shape.npy", "input 'input': expected shape");
  expect_error("run " + mlp + " -i input=" + kBad + "truncated.npy", "truncated.npy");
  expect_error("run " + mlp + " -i input=" + kBad + "missing.npy", "missing.npy");
  expect_error("run " + mlp + " -i input", "expected NAME=FILE.npy");
  expect_error("run " + mlp, "missing input 'input'");
}

TEST(Cli, RunWritesOutputsAtomicallyAndNeverOverwritesAnInput) {
  fs::path dir = fs::temp_directory_path() / ("octet_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string mlp = kModels + "mlp_op17.onnx", data = kModels + "mlp_op17.inputs.npz";
  std::string out = (dir / "out.npz").string();
  Result r = octet("run " + mlp + " --data " + data + " -o " + out + " --threads 2");
  ASSERT_EQ(r.status, 0) << r.out;
  auto got = read_npz(out);
  auto want = read_npz(kModels + "mlp_op17.ort.npz");
  ASSERT_EQ(got.at("output").shape(), want.at("output").shape());
  for (int64_t i = 0; i < want.at("output").numel(); ++i)
    EXPECT_NEAR(got.at("output").as_double(i), want.at("output").as_double(i), 1e-4);
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "out.npz");  // no temp left
  fs::copy_file(data, dir / "in.npz");
  expect_error("run " + mlp + " --data " + (dir / "in.npz").string() + " -o " + (dir / "in.npz").string(),
               "refusing to overwrite");
  fs::remove_all(dir);
}

TEST(Cli, InspectShowsShapesTotalsAndJson) {
  Result r = octet("inspect " + kModels + "resnet_op17.onnx");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Conv"), std::string::npos);
  EXPECT_NE(r.out.find("BatchNormalization="), std::string::npos) << r.out;  // the file's graph, not folded
  EXPECT_NE(r.out.find("parameters:"), std::string::npos);
  EXPECT_NE(r.out.find("MACs: 3.24M (3236160)"), std::string::npos) << r.out;
  Result lowered = octet("inspect --lowered " + kModels + "resnet_op17.onnx");  // as it runs: BN folded, fused
  ASSERT_EQ(lowered.status, 0) << lowered.out;
  EXPECT_EQ(lowered.out.find("BatchNormalization="), std::string::npos) << lowered.out;
  EXPECT_NE(lowered.out.find("ConvPostOps="), std::string::npos) << lowered.out;
  EXPECT_NE(lowered.out.find("MACs: 3.24M (3236160)"), std::string::npos) << lowered.out;
  Result j = octet("inspect --json " + kModels + "mlp_op17.onnx");
  ASSERT_EQ(j.status, 0) << j.out;
  EXPECT_NE(j.out.find("\"macs\""), std::string::npos) << j.out;
}

TEST(Cli, BenchAndEvalReport) {
  Result b = octet("bench " + kModels + "mlp_op17.onnx --iters 5 --warmup 1 --json");
  ASSERT_EQ(b.status, 0) << b.out;
  EXPECT_NE(b.out.find("\"median_ms\""), std::string::npos) << b.out;
  Result e = octet("eval " + kSrc + "/examples/mnist_cnn.onnx --data " + kSrc + "/examples/mnist_test.npz --labels " +
                   kSrc + "/examples/mnist_test_labels.npy");
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_NE(e.out.find("top-1: 9"), std::string::npos) << e.out;  // the trained CNN scores above 90%
}

}  // namespace
}  // namespace octet

namespace octet {
namespace {

using namespace octet::testing;

TEST(CliQuantize, StaticThenInspectAndEvalTheInt8Model) {
  TempDir tmp;
  const std::string out = tmp / "mnist.int8.onnx";
  Result q = octet("quantize " + kExamples + "mnist_cnn.onnx -o " + out + " --mode static --calib " + kExamples +
                   "mnist_calib.npz --samples 64 --observer minmax --bias-correction-samples 16");
  ASSERT_EQ(q.status, 0) << q.out;
  Result plain = octet("quantize " + kExamples + "mnist_cnn.onnx -o " + tmp / "plain.onnx" + " --mode static --calib " +
                       kExamples + "mnist_calib.npz --samples 64 --no-bias-correction");
  ASSERT_EQ(plain.status, 0) << plain.out;
  EXPECT_NE(q.out.find("quantized "), std::string::npos) << q.out;
  EXPECT_NE(q.out.find("KiB fp32 -> "), std::string::npos) << q.out;
  // The file sizes, input (model + external data) then output: 427,192 -> 112,716 bytes.
  EXPECT_NE(q.out.find("file: 0.43 MB -> 0.11 MB (0.264x of fp32)"), std::string::npos) << q.out;
  // How it runs: the whole CNN on the INT8 kernels, said by quantize, inspect --lowered and the profile.
  EXPECT_NE(q.out.find("runs on INT8 kernels: 7 of 7 compute nodes, 100.0 % of the multiply-accumulates"),
            std::string::npos)
      << q.out;
  EXPECT_NE(octet("inspect --lowered " + out).out.find("runs on INT8 kernels: 7 of 7"), std::string::npos);
  Result prof = octet("bench " + out + " --iters 3 --warmup 1 --profile");
  ASSERT_EQ(prof.status, 0) << prof.out;
  EXPECT_NE(prof.out.find("time: INT8 kernels "), std::string::npos) << prof.out;
  EXPECT_NE(prof.out.find("float ops 0.0 %"), std::string::npos) << prof.out;
  Result fp32 = octet("inspect --lowered " + kExamples + "mnist_cnn.onnx");
  EXPECT_NE(fp32.out.find("runs on INT8 kernels: 0 of"), std::string::npos) << fp32.out;
  EXPECT_NE(fp32.out.find("not quantized in the model"), std::string::npos) << fp32.out;
  Result ins = octet("inspect " + out);
  ASSERT_EQ(ins.status, 0) << ins.out;
  EXPECT_NE(ins.out.find("QuantizeLinear"), std::string::npos);
  EXPECT_NE(ins.out.find("scale"), std::string::npos) << ins.out;
  for (const char* mode : {"", " --reference"}) {
    Result ev = octet("eval " + out + " --data " + kExamples + "mnist_test.npz --labels " + kExamples +
                      "mnist_test_labels.npy" + mode);
    ASSERT_EQ(ev.status, 0) << ev.out;
    EXPECT_NE(ev.out.find("top-1: 9"), std::string::npos) << ev.out;  // >= 90 %
  }
}

// On the paths without VNNI the summary points at 7-bit weights; not where they gain nothing, and
// not once they are asked for. The child octet inherits OCTET_ISA from this process.
TEST(CliQuantize, SuggestsSevenBitWeightsOnlyWithoutVnni) {
  TempDir tmp;
  auto quantize = [&](const char* isa, const std::string& flags) {
    ::setenv("OCTET_ISA", isa, 1);
    Result r = octet("quantize " + kExamples + "mnist_cnn.onnx -o " + tmp / "q.onnx" + " --mode static --calib " +
                     kExamples + "mnist_calib.npz --samples 16 --observer minmax --no-bias-correction" + flags);
    ::unsetenv("OCTET_ISA");
    EXPECT_EQ(r.status, 0) << r.out;
    return r.out.find("hint: this CPU's INT8 path") != std::string::npos;
  };
  EXPECT_FALSE(quantize("ref", ""));
  if (!kernels::path_supported("avx2")) GTEST_SKIP() << "this CPU has no AVX2";
  EXPECT_TRUE(quantize("avx2", ""));
  EXPECT_FALSE(quantize("avx2", " --reduce-weight-range"));
}

TEST(CliQuantize, BadCombinationsAndInputs) {
  TempDir tmp;
  const std::string model = kExamples + "mnist_cnn.onnx", calib = kExamples + "mnist_calib.npz";
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode static").status, 2);  // no --calib
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode dynamic --calib " + calib).status, 2);
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode fancy").status, 2);
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode dynamic --no-bias-correction").status, 2);
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode dynamic --bias-correction-samples 8").status, 2);
  EXPECT_EQ(octet("quantize " + model + " -o " + tmp / "a.onnx --mode static --calib " + calib +
                  " --bias-correction-samples 0")
                .status,
            2);
  EXPECT_EQ(
      octet("quantize " + model + " -o " + tmp / "a.onnx --mode static --calib " + calib + " --observer x").status, 2);
  expect_error("quantize " + model + " -o " + model + " --mode static --calib " + calib, "mnist_cnn.onnx");
  // The library names its options (StaticQuantOptions::exclude); the CLI says which flag.
  expect_error("quantize " + model + " -o " + tmp / "a.onnx --mode static --samples 8 --calib " + calib +
                   " --exclude no_such_node",
               "--exclude: the model has no node named 'no_such_node'");
  expect_error("quantize " + model + " -o " + tmp / "a.onnx --mode dynamic --exclude no_such_node",
               "--exclude: the model has no node named 'no_such_node'");
  expect_error("quantize " + model + " -o " + tmp / "a.onnx --mode dynamic --ops MatMul,Softmax",
               "--ops: 'Softmax' cannot be quantized dynamically");
  {
    std::ofstream(tmp / "bad.json") << "{\"global\": {\"activation\": {\"dtype\": \"u4\"}}}";
  }
  expect_error("quantize " + model + " -o " + tmp / "a.onnx --mode static --samples 8 --calib " + calib + " --config " +
                   tmp / "bad.json",
               "'u4'");
  expect_error("quantize " + model + " -o " + tmp / "a.onnx --mode static --calib " + kModels + "mlp_op17.inputs.npz",
               "input 'input': expected shape [batch,1,28,28]");
  EXPECT_FALSE(fs::exists(tmp / "a.onnx"));
}

// A model without a batch axis (an LSTM with a state input and a scalar input) takes DATA that
// stacks whole inputs: run, eval and quantize detect it and make one call per sample.
TEST(CliStacked, RunEvalAndQuantizeTakeStackedData) {
  TempDir tmp;
  const std::string model = tmp / "lstm.onnx", data = tmp / "d.npz", labels = tmp / "labels.npy";
  save_onnx(testing::lstm_with_state_and_scalar(), model);
  write_npz(data, {{"x", testing::sine_tensor({5, 6, 1, 8}, 0.3f)},
                   {"h0", testing::sine_tensor({5, 1, 1, 16}, 0.9f)},
                   {"rate", testing::sine_tensor({5}, 0.5f)}});
  write_npy(labels, Tensor::from_vector<int64_t>({5}, {0, 1, 2, 3, 0}));
  Result r = octet("run " + model + " --data " + data + " -o " + tmp / "out.npz");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_npz(tmp / "out.npz").at("y").shape(), (Shape{5, 1, 4}));
  Result e = octet("eval " + model + " --data " + data + " --labels " + labels);
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_NE(e.out.find("/5)"), std::string::npos) << e.out;
  Result q = octet("quantize " + model + " -o " + tmp / "q.onnx --mode static --calib " + data + " --observer minmax");
  ASSERT_EQ(q.status, 0) << q.out;
  ASSERT_EQ(octet("run " + tmp / "q.onnx --data " + data).status, 0);
  expect_error("run " + model + " --data " + data + " --data-layout batched",
               "d.npz: the arrays are not batched model inputs: 'x' has rank 4 for an input of rank 3");
}

}  // namespace
}  // namespace octet
