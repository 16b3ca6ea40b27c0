#include "observer_test_util.h"

#include <fstream>

#include "octet/io.h"

namespace octet::quant::testing {

namespace {
const std::string kDir = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/observers/";
}

Tensor fixture(const std::string& name) { return read_npy(kDir + name + ".npy"); }

const nlohmann::json& torch_expected(const std::string& key) {
  static const nlohmann::json all = nlohmann::json::parse(std::ifstream(kDir + "expected.json"));
  return all.at(key);
}

void expect_torch_qparams(const TensorQParams& got, const std::string& key, double rel, int zp_tol) {
  const auto& want = torch_expected(key);
  ASSERT_EQ(got.scale.size(), want.at("scale").size()) << key;
  for (size_t c = 0; c < got.scale.size(); ++c) {
    const double s = want.at("scale")[c].get<double>();
    EXPECT_NEAR(got.scale[c], s, s * rel) << key << " channel " << c;
    EXPECT_NEAR(got.zero_point[c], want.at("zero_point")[c].get<int>(), zp_tol) << key << " channel " << c;
  }
}

Tensor filled(Shape shape, std::initializer_list<float> values) {
  return Tensor::from_vector<float>(std::move(shape), std::vector<float>(values));
}

}  // namespace octet::quant::testing
