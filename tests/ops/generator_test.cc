// Generators and Cast: Constant, ConstantOfShape, Range, Cast between octet dtypes.
#include <cmath>
#include <cstring>
#include <limits>

#include "onnx/import.h"
#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(GeneratorOps, ConstantForms) {
  Tensor v = Tensor::from_vector<int32_t>({2}, {7, -7});
  expect_close(run_op("Constant", {}, {{"value", attr_tensor(v)}})[0], v, 0);
  expect_close(run_op("Constant", {}, {{"value_float", attr_float(1.5f)}})[0], Tensor::scalar<float>(1.5f), 0);
  expect_close(run_op("Constant", {}, {{"value_ints", attr_ints({1, 2, 3})}})[0], ints({1, 2, 3}), 0);
  expect_close(run_op("Constant", {}, {{"value_int", attr_int(-4)}})[0], Tensor::scalar<int64_t>(-4), 0);
  expect_close(run_op("Constant", {}, {{"value_floats", attr_floats({0.5f})}})[0],
               Tensor::from_vector<float>({1}, {0.5f}), 0);
  EXPECT_THROW(run_op("Constant", {}, {}), Error);
  EXPECT_THROW(run_op("Constant", {}, {{"value_string", attr_string("x")}}), Error);
}

TEST(GeneratorOps, ConstantOfShapeDefaultsToFloatZero) {
  expect_close(run_op("ConstantOfShape", {ints({2, 2})})[0], Tensor(DType::kFloat32, {2, 2}), 0);
  Tensor y =
      run_op("ConstantOfShape", {ints({3})}, {{"value", attr_tensor(Tensor::from_vector<int32_t>({1}, {9}))}})[0];
  expect_close(y, Tensor::from_vector<int32_t>({3}, {9, 9, 9}), 0);
  EXPECT_EQ(run_op("ConstantOfShape", {ints({2, 0})})[0].numel(), 0);
  EXPECT_EQ(run_op("ConstantOfShape", {Tensor(DType::kInt64, {0})})[0].shape(), Shape{});
}

TEST(GeneratorOps, RangeCountsCeilAndEmpty) {
  auto r = [](auto s, auto l, auto d) {
    return run_op("Range", {Tensor::scalar(s), Tensor::scalar(l), Tensor::scalar(d)}, {}, 1, 11)[0];
  };
  expect_close(r(int64_t{1}, int64_t{10}, int64_t{3}), ints({1, 4, 7}), 0);
  expect_close(r(int32_t{10}, int32_t{4}, int32_t{-3}), Tensor::from_vector<int32_t>({2}, {10, 7}), 0);
  expect_close(r(int32_t{10}, int32_t{6}, int32_t{-2}), Tensor::from_vector<int32_t>({2}, {10, 8}), 0);
  EXPECT_EQ(r(int64_t{5}, int64_t{1}, int64_t{2}).numel(), 0);
  expect_close(r(0.f, 1.f, 0.25f), Tensor::from_vector<float>({4}, {0, .25f, .5f, .75f}), 0);
  expect_close(r(1.0, 0.0, -0.4), Tensor::from_vector<double>({3}, {1.0, 0.6, 0.2}), 1e-12);
  EXPECT_THROW(r(int64_t{0}, int64_t{3}, int64_t{0}), Error);
  // Spans past int64 (the onnx_run fuzzer's 5 - INT64_MIN) are counted exactly, then refused as too long.
  EXPECT_THROW(r(INT64_MIN, int64_t{5}, int64_t{1}), Error);
  EXPECT_EQ(r(INT64_MIN, int64_t{5}, INT64_MAX).numel(), 2);  // INT64_MIN, -1
  EXPECT_EQ(r(int64_t{5}, INT64_MIN, int64_t{1}).numel(), 0);
  // i * delta past int64 while every element fits (the fuzz smoke's: 8192 * 1125899906842625).
  const Tensor wide = r(INT64_MIN + 1, INT64_MAX, int64_t{1125899906842625});
  EXPECT_EQ(wide.data<int64_t>()[8192], static_cast<int64_t>(static_cast<__int128>(INT64_MIN + 1) +
                                                             static_cast<__int128>(8192) * 1125899906842625));
}

Tensor cast(const Tensor& x, DType to) { return run_op("Cast", {x}, {{"to", attr_int(dtype_to_onnx(to))}}, 1, 19)[0]; }

TEST(GeneratorOps, CastFloatToIntTruncatesTowardZero) {
  Tensor x = Tensor::from_vector<float>({5}, {2.7f, -2.7f, 0.5f, -0.5f, 100.f});
  expect_close(cast(x, DType::kInt32), Tensor::from_vector<int32_t>({5}, {2, -2, 0, 0, 100}), 0);
  expect_close(cast(x, DType::kInt8), Tensor::from_vector<int8_t>({5}, {2, -2, 0, 0, 100}), 0);
  expect_close(cast(x, DType::kBool), Tensor::from_vector<bool>({5}, {true, true, true, true, true}), 0);
  expect_close(cast(Tensor::from_vector<float>({2}, {0.f, -0.f}), DType::kBool),
               Tensor::from_vector<bool>({2}, {false, false}), 0);
}

TEST(GeneratorOps, CastIntegersAndBool) {
  Tensor b = Tensor::from_vector<bool>({3}, {true, false, true});
  expect_close(cast(b, DType::kFloat32), Tensor::from_vector<float>({3}, {1, 0, 1}), 0);
  expect_close(cast(b, DType::kInt64), ints({1, 0, 1}), 0);
  // int64 values beyond 2^53 survive int64 -> uint64 -> int64 exactly (no detour through double).
  int64_t big = (int64_t{1} << 60) + 1;
  expect_close(cast(cast(ints({big}), DType::kUInt64), DType::kInt64), ints({big}), 0);
  EXPECT_EQ(cast(ints({big}), DType::kUInt64).data<uint64_t>()[0], static_cast<uint64_t>(big));
  expect_close(cast(ints({300, -1}), DType::kUInt8), Tensor::from_vector<uint8_t>({2}, {44, 255}), 0);
  expect_close(cast(Tensor::from_vector<int32_t>({1}, {7}), DType::kFloat64), Tensor::from_vector<double>({1}, {7}), 0);
}

TEST(GeneratorOps, CastFloat16BothWays) {
  // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf, 0.33325195 (0x3555)
  std::vector<uint16_t> bits = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555};
  Tensor h(DType::kFloat16, {6});
  std::memcpy(h.raw(), bits.data(), 12);
  Tensor f = cast(h, DType::kFloat32);
  std::vector<float> want = {1.f, -2.f, 65504.f, std::ldexp(1.f, -24), INFINITY, 0.333251953125f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f.data<float>()[i], want[i]) << i;
  Tensor back = cast(f, DType::kFloat16);
  EXPECT_EQ(std::memcmp(back.raw(), bits.data(), 12), 0);
  // Rounding to nearest even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10 -> 1; 65520 -> inf.
  Tensor r = cast(Tensor::from_vector<float>({3}, {1.f + std::ldexp(1.f, -11), 65520.f, 1e-9f}), DType::kFloat16);
  const auto* rb = static_cast<const uint16_t*>(r.raw());
  EXPECT_EQ(rb[0], 0x3c00);
  EXPECT_EQ(rb[1], 0x7c00);
  EXPECT_EQ(rb[2], 0x0000);
}

TEST(GeneratorOps, CastRejectsUnknownType) {
  EXPECT_THROW(run_op("Cast", {Tensor::scalar<float>(1.f)}, {{"to", attr_int(8)}}), Error);  // STRING
  EXPECT_THROW(run_op("Cast", {Tensor::scalar<float>(1.f)}, {}), Error);
}

}  // namespace
}  // namespace octet::testing
