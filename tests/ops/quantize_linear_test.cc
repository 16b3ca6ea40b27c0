#include <cmath>
#include <random>

#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::attr_int;
using testing::run_op;

template <class T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

TEST(QuantizeLinear, PerTensorTiesAndDefaultUint8) {
  Tensor x = Tensor::from_vector<float>({6}, {0.5f, 1.5f, 2.5f, 3.5f, -1.0f, 1000.0f});
  auto out = run_op("QuantizeLinear", {x, Tensor::scalar<float>(1.0f)});
  ASSERT_EQ(out[0].dtype(), DType::kUInt8);
  EXPECT_EQ(values<uint8_t>(out[0]), (std::vector<uint8_t>{0, 2, 2, 4, 0, 255}));
}

TEST(QuantizeLinear, Int8ZeroPointSaturationAndNan) {
  Tensor x = Tensor::from_vector<float>({5}, {0.0f, 2.0f, -300.0f, 300.0f, NAN});
  auto out = run_op("QuantizeLinear", {x, Tensor::scalar<float>(2.0f), Tensor::scalar<int8_t>(-10)});
  ASSERT_EQ(out[0].dtype(), DType::kInt8);
  EXPECT_EQ(values<int8_t>(out[0]), (std::vector<int8_t>{-10, -9, -128, 127, -128}));
}

TEST(QuantizeLinear, PerAxisAndNegativeAxis) {
  // x is [2, 3]; one scale and zero point per column.
  Tensor x = Tensor::from_vector<float>({2, 3}, {1.0f, 1.0f, 1.0f, -2.0f, 4.0f, 9.0f});
  Tensor s = Tensor::from_vector<float>({3}, {1.0f, 0.5f, 2.0f});
  Tensor z = Tensor::from_vector<uint8_t>({3}, {10, 20, 30});
  const std::vector<uint8_t> want = {11, 22, 30, 8, 28, 34};  // 1/2 = 0.5 -> 0; 9/2 = 4.5 -> 4
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", {x, s, z}, {{"axis", attr_int(1)}}, 1, 13)[0]), want);
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", {x, s, z}, {{"axis", attr_int(-1)}}, 1, 13)[0]), want);
}

TEST(QuantizeLinear, DefaultAxisIsOne) {
  Tensor x = Tensor::from_vector<float>({1, 2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
  Tensor s = Tensor::from_vector<float>({2}, {1.0f, 0.5f});
  EXPECT_EQ(values<uint8_t>(run_op("QuantizeLinear", {x, s}, {}, 1, 13)[0]), (std::vector<uint8_t>{1, 2, 6, 8}));
}

TEST(QuantizeLinear, BlockedOpset21) {
  // x is [2, 4], blocks of 2 along axis 1: scale is [2, 2].
  Tensor x = Tensor::from_vector<float>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor s = Tensor::from_vector<float>({2, 2}, {1.0f, 2.0f, 4.0f, 8.0f});
  Tensor z = Tensor::from_vector<int8_t>({2, 2}, {0, 1, 2, 3});
  auto out = run_op("QuantizeLinear", {x, s, z}, {{"axis", attr_int(1)}, {"block_size", attr_int(2)}}, 1, 21);
  // 3/2 = 1.5 -> 2, 5/4 = 1.25 -> 1, 6/4 = 1.5 -> 2, 7/8 -> 1, 8/8 -> 1
  EXPECT_EQ(values<int8_t>(out[0]), (std::vector<int8_t>{1, 2, 3, 3, 3, 4, 4, 4}));
  Tensor back =
      run_op("DequantizeLinear", {out[0], s, z}, {{"axis", attr_int(1)}, {"block_size", attr_int(2)}}, 1, 21)[0];
  EXPECT_EQ(values<float>(back), (std::vector<float>{1, 2, 4, 4, 4, 8, 8, 8}));
}

TEST(QuantizeLinear, OutputDtypeAttributeInt16) {
  Tensor x = Tensor::from_vector<float>({3}, {-40000.0f, 1.5f, 40000.0f});
  auto out = run_op("QuantizeLinear", {x, Tensor::scalar<float>(1.0f)}, {{"output_dtype", attr_int(5)}}, 1, 21);
  ASSERT_EQ(out[0].dtype(), DType::kInt16);
  EXPECT_EQ(values<int16_t>(out[0]), (std::vector<int16_t>{-32768, 2, 32767}));
}

TEST(QuantizeLinear, RejectsBadParameters) {
  Tensor x = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s2 = Tensor::from_vector<float>({2}, {1.0f, 1.0f});
  EXPECT_THROW(run_op("QuantizeLinear", {x, s2}, {}, 1, 13), Error);  // axis 1 has 3 channels
  EXPECT_THROW(run_op("QuantizeLinear", {x, s2}, {{"axis", attr_int(2)}}, 1, 13), Error);
  Tensor half(DType::kFloat16, {});
  EXPECT_THROW(run_op("QuantizeLinear", {x, half}), Error);
  Tensor z = Tensor::from_vector<uint8_t>({2}, {0, 0});
  EXPECT_THROW(run_op("QuantizeLinear", {x, Tensor::scalar<float>(1.0f), z}), Error);  // zp shape != scale shape
}

TEST(QuantizeLinear, ThreadsGiveIdenticalResults) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  std::vector<float> v(100003);
  for (float& f : v) f = dist(rng);
  Tensor x = Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  auto one = run_op("QuantizeLinear", {x, Tensor::scalar<float>(0.02f), Tensor::scalar<uint8_t>(128)}, {}, 1, 13, 1);
  auto two = run_op("QuantizeLinear", {x, Tensor::scalar<float>(0.02f), Tensor::scalar<uint8_t>(128)}, {}, 1, 13, 2);
  EXPECT_EQ(values<uint8_t>(one[0]), values<uint8_t>(two[0]));
}

TEST(DequantizeLinear, PerTensorUint8AndInt32) {
  Tensor x = Tensor::from_vector<uint8_t>({4}, {0, 3, 128, 255});
  auto out = run_op("DequantizeLinear", {x, Tensor::scalar<float>(2.0f), Tensor::scalar<uint8_t>(128)});
  EXPECT_EQ(values<float>(out[0]), (std::vector<float>{-256, -250, 0, 254}));
  Tensor q32 = Tensor::from_vector<int32_t>({3}, {-7, 0, 1 << 20});
  out = run_op("DequantizeLinear", {q32, Tensor::scalar<float>(0.5f)});
  EXPECT_EQ(values<float>(out[0]), (std::vector<float>{-3.5f, 0.0f, 524288.0f}));
}

TEST(DequantizeLinear, PerAxisNegativeAxis) {
  Tensor x = Tensor::from_vector<int8_t>({3, 2}, {-128, 127, 0, 1, 10, -10});
  Tensor s = Tensor::from_vector<float>({3}, {1.0f, 0.5f, 0.25f});
  Tensor z = Tensor::from_vector<int8_t>({3}, {0, 1, -2});
  auto out = run_op("DequantizeLinear", {x, s, z}, {{"axis", attr_int(-2)}}, 1, 13);
  EXPECT_EQ(values<float>(out[0]), (std::vector<float>{-128, 127, -0.5f, 0, 3, -2}));
}

TEST(DequantizeLinear, ZeroPointDtypeMustMatch) {
  Tensor x = Tensor::from_vector<int8_t>({2}, {1, 2});
  EXPECT_THROW(run_op("DequantizeLinear", {x, Tensor::scalar<float>(1.0f), Tensor::scalar<uint8_t>(0)}), Error);
}

// The three cases of the ONNX backend test test_dynamicquantizelinear*.
TEST(DynamicQuantizeLinear, OnnxBackendCases) {
  struct Case {
    std::vector<float> x;
    float scale;
    uint8_t zp;
    std::vector<uint8_t> y;
  };
  const std::vector<Case> cases = {
      {{0, 2, -3, -2.5f, 1.34f, 0.5f}, 5.0f / 255, 153, {153, 255, 0, 26, 221, 179}},
      {{-1.0f, -2.1f, -1.3f, -2.5f, -3.34f, -4.0f}, 4.0f / 255, 255, {191, 121, 172, 96, 42, 0}},
      {{1, 2.1f, 1.3f, 2.5f, 3.34f, 4, 1.5f, 2.6f, 3.9f, 4, 3, 2.345f},
       4.0f / 255,
       0,
       {64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149}},
  };
  for (const Case& c : cases) {
    auto out = run_op("DynamicQuantizeLinear", {Tensor::from_vector<float>({int64_t(c.x.size())}, c.x)}, {}, 3, 11);
    EXPECT_FLOAT_EQ(*out[1].data<float>(), c.scale);
    EXPECT_EQ(*out[2].data<uint8_t>(), c.zp);
    EXPECT_EQ(values<uint8_t>(out[0]), c.y);
  }
}

TEST(DynamicQuantizeLinear, AllZerosGivesUnitScale) {
  auto out = run_op("DynamicQuantizeLinear", {Tensor(DType::kFloat32, {4})}, {}, 3, 11);
  EXPECT_EQ(*out[1].data<float>(), 1.0f);
  EXPECT_EQ(*out[2].data<uint8_t>(), 0);
  EXPECT_EQ(values<uint8_t>(out[0]), (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST(DynamicQuantizeLinear, NonFiniteValuesDoNotSetTheRange) {
  Tensor x = Tensor::from_vector<float>({4}, {-1.0f, 1.0f, NAN, INFINITY});
  auto out = run_op("DynamicQuantizeLinear", {x}, {}, 3, 11);
  EXPECT_FLOAT_EQ(*out[1].data<float>(), 2.0f / 255);
  EXPECT_EQ(*out[2].data<uint8_t>(), 127);                                     // 1 / (2 / 255) is 127.49999 in float
  EXPECT_EQ(values<uint8_t>(out[0]), (std::vector<uint8_t>{0, 254, 0, 255}));  // 1 / s is 127.49999 too
}

TEST(DynamicQuantizeLinear, ThreadsGiveIdenticalResults) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> v(70001);
  for (float& f : v) f = dist(rng);
  Tensor x = Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  auto one = run_op("DynamicQuantizeLinear", {x}, {}, 3, 11, 1);
  auto two = run_op("DynamicQuantizeLinear", {x}, {}, 3, 11, 2);
  EXPECT_EQ(*one[1].data<float>(), *two[1].data<float>());
  EXPECT_EQ(*one[2].data<uint8_t>(), *two[2].data<uint8_t>());
  EXPECT_EQ(values<uint8_t>(one[0]), values<uint8_t>(two[0]));
}

}  // namespace
}  // namespace octet
