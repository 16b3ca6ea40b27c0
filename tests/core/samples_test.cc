// Slicing DATA arrays into samples, and the finiteness check calibration data must pass.
#include "octet/samples.h"

#include <gtest/gtest.h>

#include <cmath>

#include "octet/error.h"

namespace octet {
namespace {

TEST(Samples, SliceAndCountAlongAxisZero) {
  Tensor t(DType::kFloat32, {4, 3});
  for (int64_t i = 0; i < 12; ++i) t.data<float>()[i] = float(i);
  const auto s = slice_samples({{"x", t}}, 1, 3);
  EXPECT_EQ(s.at("x").shape(), (Shape{2, 3}));
  EXPECT_EQ(s.at("x").data<float>()[0], 3.f);
  EXPECT_EQ(sample_count({{"x", t}}, "f.npz"), 4);
  EXPECT_THROW(slice_samples({{"x", t}}, 2, 5), Error);
  EXPECT_THROW(sample_count({{"x", t}, {"y", Tensor(DType::kFloat32, {3})}}, "f.npz"), Error);
}

TEST(Samples, NonFiniteValuesAreNamedBySampleAndElement) {
  Tensor t(DType::kFloat32, {4, 3});
  check_finite({{"x", t}}, "calib.npz");
  t.data<float>()[7] = -INFINITY;
  try {
    check_finite({{"x", t}, {"ids", Tensor(DType::kInt64, {4})}}, "calib.npz");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("calib.npz: 'x' sample 2, element 1 is -inf"), std::string::npos) << e.what();
  }
  Tensor d(DType::kFloat64, {2});
  d.data<double>()[1] = std::nan("");
  EXPECT_THROW(check_finite({{"d", d}}, "calib.npz"), Error);
}

}  // namespace
}  // namespace octet
