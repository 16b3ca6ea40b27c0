// train/fake_quantize.cc: the forward equals QuantizeLinear -> DequantizeLinear bit for bit (per
// tensor and per channel, uint8 and int8, saturating), and the straight-through estimator passes
// the gradient exactly where the code was not saturated.
#include "train/fake_quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "../ops/op_test_util.h"

namespace octet::train {
namespace {

using testing::attr_int;
using testing::run_op;

Tensor qdq(const Tensor& x, const Tensor& scale, const Tensor& zp, int axis) {
  std::map<std::string, Attribute> attrs;
  if (axis >= 0) attrs["axis"] = attr_int(axis);
  Tensor q = run_op("QuantizeLinear", {x, scale, zp}, attrs).at(0);
  return run_op("DequantizeLinear", {q, scale, zp}, attrs).at(0);
}

TEST(FakeQuantize, PerTensorUint8EqualsQuantizeThenDequantize) {
  // Steps of 0.1 with zero point 10: the range is [-1.0, 24.5]; -3 and 40 saturate; 0.05 is a tie.
  const std::vector<float> xs = {-3.0f, -1.0f, -0.96f, 0.05f, 0.15f, 1.234f, 24.5f, 24.56f, 40.0f};
  const Tensor x = Tensor::from_vector<float>({static_cast<int64_t>(xs.size())}, xs);
  quant::TensorQParams qp{{0.1f}, {10}, -1, DType::kUInt8};
  const FakeQuantized fq = fake_quantize(x, qp);
  const Tensor want = qdq(x, Tensor::scalar<float>(0.1f), Tensor::scalar<uint8_t>(10), -1);
  ASSERT_EQ(fq.y.shape(), x.shape());
  EXPECT_EQ(std::memcmp(fq.y.raw(), want.raw(), want.nbytes()), 0);
  // -0.96 / 0.1 + 10 = 0.4 rounds to code 0 (inside); 24.56 / 0.1 + 10 = 255.6 rounds to 256 (clipped).
  EXPECT_EQ(fq.inside, (std::vector<uint8_t>{0, 1, 1, 1, 1, 1, 1, 0, 0}));
}

TEST(FakeQuantize, SaturationBoundaryIsHalfAStepPastTheRange) {
  // int8 symmetric, scale 1: codes [-128, 127]. 127.4 rounds to 127 (inside), 127.6 to 128 (clipped).
  const Tensor x = Tensor::from_vector<float>({4}, {127.4f, 127.6f, -128.4f, -128.6f});
  const FakeQuantized fq = fake_quantize(x, {{1.0f}, {0}, -1, DType::kInt8});
  EXPECT_EQ(fq.inside, (std::vector<uint8_t>{1, 0, 1, 0}));
  EXPECT_EQ(fq.y.data<float>()[1], 127.0f);
  EXPECT_EQ(fq.y.data<float>()[3], -128.0f);
}

TEST(FakeQuantize, NanIsClippedAndGetsNoGradient) {
  const Tensor x = Tensor::from_vector<float>({2}, {std::numeric_limits<float>::quiet_NaN(), 1.0f});
  const FakeQuantized fq = fake_quantize(x, {{0.5f}, {0}, -1, DType::kInt8});
  EXPECT_EQ(fq.inside, (std::vector<uint8_t>{0, 1}));
}

TEST(FakeQuantize, PerChannelInt8EqualsQuantizeThenDequantizeOnEachAxis) {
  Tensor x(DType::kFloat32, {3, 4, 2});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::sin(0.7f * static_cast<float>(i)) * 3;
  for (int axis : {0, 1, 2}) {
    const int64_t c = x.dim(axis);
    quant::TensorQParams qp{{}, {}, axis, DType::kInt8};
    for (int64_t k = 0; k < c; ++k) {
      qp.scale.push_back(0.01f + 0.02f * static_cast<float>(k));  // small scales: some codes saturate
      qp.zero_point.push_back(static_cast<int32_t>(k) - 1);
    }
    Tensor scale = Tensor::from_vector<float>({c}, qp.scale);
    Tensor zp(DType::kInt8, {c});
    for (int64_t k = 0; k < c; ++k) zp.data<int8_t>()[k] = static_cast<int8_t>(qp.zero_point[k]);
    const FakeQuantized fq = fake_quantize(x, qp);
    const Tensor want = qdq(x, scale, zp, axis);
    EXPECT_EQ(std::memcmp(fq.y.raw(), want.raw(), want.nbytes()), 0) << "axis " << axis;
    int64_t clipped = 0;
    for (uint8_t in : fq.inside) clipped += in == 0;
    EXPECT_GT(clipped, 0) << "axis " << axis;
  }
}

TEST(FakeQuantize, ThreadsAndOddLengthsGiveTheQuantizeThenDequantizeBits) {
  // 5 channels of 3 * 4099 elements each (no multiple of the 4 vector lanes, split across threads
  // mid-channel), with infinities, NaN and values far out of range.
  Tensor x(DType::kFloat32, {2, 5, 3, 4099});
  float* px = x.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) px[i] = std::sin(0.37f * static_cast<float>(i)) * 40;
  px[7] = std::numeric_limits<float>::infinity();
  px[8] = -std::numeric_limits<float>::infinity();
  px[9] = std::numeric_limits<float>::quiet_NaN();
  px[10] = 3e9f;
  const quant::TensorQParams qp{{0.1f, 0.2f, 0.05f, 0.3f, 0.25f}, {3, -7, 0, 100, -128}, 1, DType::kInt8};
  const Tensor scale = Tensor::from_vector<float>({5}, qp.scale);
  const Tensor zp = Tensor::from_vector<int8_t>({5}, {3, -7, 0, 100, -128});
  const Tensor want = qdq(x, scale, zp, 1);
  const FakeQuantized one = fake_quantize(x, qp);
  ThreadPool pool(2);
  const FakeQuantized two = fake_quantize(x, qp, &pool);
  EXPECT_EQ(std::memcmp(one.y.raw(), want.raw(), want.nbytes()), 0);
  EXPECT_EQ(std::memcmp(two.y.raw(), want.raw(), want.nbytes()), 0);
  EXPECT_EQ(one.inside, two.inside);
  EXPECT_EQ(std::vector<uint8_t>(one.inside.begin() + 7, one.inside.begin() + 11), (std::vector<uint8_t>{0, 0, 0, 0}));
  const Tensor g = straight_through(x, one.inside), g2 = straight_through(x, one.inside, &pool);
  EXPECT_EQ(std::memcmp(g.raw(), g2.raw(), g.nbytes()), 0);
  EXPECT_EQ(g.data<float>()[11], px[11] * static_cast<float>(one.inside[11]));
}

TEST(FakeQuantize, RefusesAScaleCountThatIsNotTheChannelCount) {
  const Tensor x(DType::kFloat32, {2, 3});
  EXPECT_THROW(fake_quantize(x, {{1.0f, 1.0f}, {0, 0}, 1, DType::kInt8}), Error);
}

TEST(QParamGradients, LsqScaleAndOffsetGradientsByHand) {
  // s = 0.5, z = 2, uint8: x = 1.2 -> v = 2.4, inside: dy/ds = rne(2.4) - 2.4 = -0.4, dy/dz = 0;
  // x = -3 -> code 2 - 6 < 0, below: dy/ds = 0 - 2, dy/dz = -0.5; x = 200 -> above: 255 - 2, -0.5.
  const Tensor x = Tensor::from_vector<float>({3}, {1.2f, -3.0f, 200.0f});
  const Tensor g = Tensor::from_vector<float>({3}, {1.0f, 10.0f, 100.0f});
  const QParamGradients r = qparam_gradients(x, {{0.5f}, {2}, -1, DType::kUInt8}, g);
  EXPECT_NEAR(r.scale, 1.0 * -0.4 + 10.0 * -2 + 100.0 * 253, 1e-4);
  EXPECT_NEAR(r.zero_point, 10.0 * -0.5 + 100.0 * -0.5, 1e-9);
  EXPECT_THROW(qparam_gradients(x, {{0.5f, 0.5f}, {2, 2}, 0, DType::kUInt8}, g), Error);
}

TEST(StraightThrough, PassesTheGradientWhereInsideOnly) {
  const Tensor g = Tensor::from_vector<float>({4}, {1.5f, -2.0f, 3.0f, 4.0f});
  const Tensor r = straight_through(g, {1, 0, 1, 0});
  EXPECT_EQ(r.data<float>()[0], 1.5f);
  EXPECT_EQ(r.data<float>()[1], 0.0f);
  EXPECT_EQ(r.data<float>()[2], 3.0f);
  EXPECT_EQ(r.data<float>()[3], 0.0f);
  EXPECT_THROW(straight_through(g, {1, 0}), Error);
}

}  // namespace
}  // namespace octet::train
