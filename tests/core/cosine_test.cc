#include "core/cosine.h"

#include <gtest/gtest.h>

#include <cmath>

namespace octet {
namespace {

Tensor floats(std::vector<float> v) {
  Tensor t(DType::kFloat32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

TEST(Cosine, OfARangeOfElements) {
  const Tensor a = floats({1, 0, 3, 4, 9}), b = floats({0, 1, 6, 8, -9});
  EXPECT_DOUBLE_EQ(cosine(a, b, 0, 2), 0.0);  // orthogonal
  EXPECT_DOUBLE_EQ(cosine(a, b, 2, 4), 1.0);  // parallel, another length
  EXPECT_NEAR(cosine(a, b, 3, 5), (32.0 - 81.0) / (std::sqrt(97.0) * std::sqrt(145.0)), 1e-12);
  EXPECT_DOUBLE_EQ(cosine(a, b, 4, 5), -1.0);
}

TEST(Cosine, ZeroVectors) {
  const Tensor z = floats({0, 0}), x = floats({1, 2});
  EXPECT_EQ(cosine(z, z, 0, 2), 1.0);
  EXPECT_EQ(cosine(z, x, 0, 2), 0.0);
  EXPECT_EQ(cosine(x, x, 0, 0), 1.0);  // empty: nothing differs
}

}  // namespace
}  // namespace octet
