// octet report (docs/debugging.md "The HTML report") on the bundled MNIST CNN, quantized here:
// the page written, what it holds, and the contract on bad input and on its output path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_test_util.h"

namespace octet {
namespace {

using namespace octet::testing;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReportCli, WritesOneSelfContainedPage) {
  TempDir tmp;
  const std::string model = quantized_mnist(tmp), html = tmp / "report.html";
  Result r = octet("report " + kExamples + "mnist_cnn.onnx " + model + " --data " + kExamples +
                   "mnist_test.npz --samples 200 -o " + html);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("report: " + html), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("on 200 samples"), std::string::npos) << r.out;
  const std::string page = read_text(html);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  for (const char* absent : {"http://", "https://", "<script"})
    EXPECT_EQ(page.find(absent), std::string::npos) << absent;
  EXPECT_NE(page.find("runs on INT8 kernels: "), std::string::npos);  // inspect --lowered's summary
  // The notes name the verbs that show the same tables, not the library's names for them.
  EXPECT_NE(page.find("<code>octet inspect --qparams --data</code> reports them"), std::string::npos);
  EXPECT_NE(page.find("(<code>octet inspect --lowered</code>)"), std::string::npos);
  EXPECT_EQ(page.find("QParamsCheck"), std::string::npos);
  EXPECT_NE(page.find("KiB ("), std::string::npos);  // file sizes
  EXPECT_NE(page.find("/classifier/classifier.3/Gemm"), std::string::npos);
  EXPECT_NE(page.find("200 samples"), std::string::npos);
  // Nothing left beside it: the page was written through a temporary file, then renamed.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST(ReportCli, BadInputNamesTheFileAndInputsAreNeverOverwritten) {
  TempDir tmp;
  const std::string model = quantized_mnist(tmp), f = kExamples + "mnist_cnn.onnx", data = kExamples + "mnist_test.npz";
  expect_error("report " + f + " " + kBad + "truncated.onnx --data " + data + " -o " + (tmp / "r.html"),
               "truncated.onnx: not a valid ONNX model");
  expect_error("report " + f + " " + model + " --data " + kBad + "mlp_input.npy -o " + (tmp / "r.html"),
               "mlp_input.npy");
  expect_error("report " + f + " " + model + " --data " + kBad + "does_not_exist.npz -o " + (tmp / "r.html"),
               "does_not_exist.npz");
  expect_error("report " + f + " " + f + " --data " + data + " -o " + (tmp / "r.html"), "mnist_cnn.onnx");
  const auto size = std::filesystem::file_size(model);
  expect_error("report " + f + " " + model + " --data " + data + " -o " + model, "refusing to overwrite");
  EXPECT_EQ(std::filesystem::file_size(model), size);
  EXPECT_FALSE(std::filesystem::exists(tmp / "r.html"));
  EXPECT_EQ(octet("report " + f + " " + model + " -o " + (tmp / "r.html")).status, 2);  // --data is required
}

}  // namespace
}  // namespace octet
