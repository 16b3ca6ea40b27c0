#include "octet/tensor.h"

#include <gtest/gtest.h>

#include <limits>

namespace octet {
namespace {

TEST(Tensor, AllocatesZeroedAligned) {
  Tensor t(DType::kFloat32, {2, 3});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.data<float>()[i], 0.f);
}

TEST(Tensor, UndefinedByDefault) { EXPECT_FALSE(Tensor().defined()); }

TEST(Tensor, EmptyAndScalarShapes) {
  Tensor e(DType::kInt64, {0, 4});
  EXPECT_TRUE(e.defined());
  EXPECT_EQ(e.numel(), 0);
  Tensor s = Tensor::scalar<int64_t>(7);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.as_int64(0), 7);
}

TEST(Tensor, WrongDtypeAccessThrows) {
  Tensor t(DType::kUInt8, {4});
  EXPECT_THROW(t.data<float>(), Error);
}

TEST(Tensor, ReshapeSharesStorageAndChecksCount) {
  Tensor t = Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4});
  Tensor r = t.reshaped({4});
  r.data<float>()[0] = 9;
  EXPECT_EQ(t.data<float>()[0], 9);
  EXPECT_THROW(t.reshaped({3}), Error);
  Tensor c = t.clone();
  c.data<float>()[1] = -1;
  EXPECT_EQ(t.data<float>()[1], 2);
}

TEST(Tensor, ShapeNumelRejectsNegativeAndOverflow) {
  EXPECT_THROW(shape_numel({2, -1}), Error);
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_THROW(shape_numel({big, 4}), Error);
  EXPECT_THROW(Tensor(DType::kFloat32, {int64_t{1} << 40}), Error);  // over the 64 GiB cap
  EXPECT_EQ(shape_str({1, 3, 224}), "[1,3,224]");
}

TEST(Tensor, ConvertsElementsOfEveryDtype) {
  Tensor h(DType::kFloat16, {3});
  uint16_t* p = static_cast<uint16_t*>(h.raw());
  p[0] = 0x3c00;  // 1.0
  p[1] = 0xc000;  // -2.0
  p[2] = 0x0001;  // smallest subnormal 2^-24
  EXPECT_EQ(h.as_double(0), 1.0);
  EXPECT_EQ(h.as_double(1), -2.0);
  EXPECT_FLOAT_EQ(static_cast<float>(h.as_double(2)), 5.9604645e-08f);
  Tensor b = Tensor::from_vector<bool>({2}, {true, false});
  EXPECT_EQ(b.to_int64_vector(), (std::vector<int64_t>{1, 0}));
  EXPECT_THROW(b.as_double(2), Error);
}

}  // namespace
}  // namespace octet
