// Golden tests: every committed fixture model (tests/fixtures/models, made by
// scripts/make_fixtures.py from torch 2.13 exports) must match ONNX Runtime's outputs within 1e-4
// of the output's scale (max |octet - ort| / max |ort|), at 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"

namespace octet {
namespace {

const std::string kDir = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

std::vector<std::string> fixture_names() {
  std::ifstream in(kDir + "manifest.json");
  std::vector<std::string> names;
  if (!in) return names;
  const nlohmann::json manifest = nlohmann::json::parse(in);
  for (const auto& m : manifest.at("models")) names.push_back(m.at("name"));
  return names;
}

double relative_error(const Tensor& got, const Tensor& want) {
  double err = 0, scale = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    err = std::max(err, std::fabs(got.as_double(i) - want.as_double(i)));
    scale = std::max(scale, std::fabs(want.as_double(i)));
  }
  return scale > 0 ? err / scale : err;
}

class FixtureModel : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureModel, MatchesOnnxRuntime) {
  const std::string& name = GetParam();
  Graph g = load_onnx(kDir + name + ".onnx");
  auto inputs = read_npz(kDir + name + ".inputs.npz");
  auto want = read_npz(kDir + name + ".ort.npz");
  for (int threads : {1, 2}) {
    Executor exec(g, {.threads = threads});
    auto got = exec.run(inputs);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [out, ref] : want) {
      ASSERT_TRUE(got.count(out)) << "missing output " << out;
      const Tensor& t = got.at(out);
      ASSERT_EQ(t.dtype(), ref.dtype()) << out;
      ASSERT_EQ(t.shape(), ref.shape()) << out << ": " << shape_str(t.shape()) << " vs " << shape_str(ref.shape());
      EXPECT_LE(relative_error(t, ref), 1e-4) << name << " output " << out << " at " << threads << " threads";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureModel, ::testing::ValuesIn(fixture_names()),
                         [](const auto& info) { return info.param; });

TEST(FixtureManifest, ListsTheModelsOfTheFoundationIssue) {
  auto names = fixture_names();
  for (const char* family : {"mlp", "lenet", "resnet", "mobilenetv2", "transformer", "lstm", "gru"})
    for (const char* opset : {"_op17", "_op18"})
      EXPECT_NE(std::find(names.begin(), names.end(), std::string(family) + opset), names.end()) << family << opset;
}

}  // namespace
}  // namespace octet
