// Shape ops: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity, Dropout, per opset.
#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor iota_f(Shape shape) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}
Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(ShapeOps, ReshapeCopiesZeroAndInfersMinusOne) {
  auto y = run_op("Reshape", {iota_f({2, 3, 4}), ints({0, -1})});
  EXPECT_EQ(y[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(y[0].data<float>()[13], 13.f);
}

TEST(ShapeOps, ReshapeAllowZeroKeepsZeroDim) {
  auto y = run_op("Reshape", {Tensor(DType::kFloat32, {0, 3}), ints({3, 0})}, {{"allowzero", attr_int(1)}}, 1, 14);
  EXPECT_EQ(y[0].shape(), (Shape{3, 0}));
  // Before opset 14 allowzero does not exist: 0 copies the input dim.
  auto old = run_op("Reshape", {iota_f({2, 3}), ints({0, 3})}, {{"allowzero", attr_int(1)}}, 1, 13);
  EXPECT_EQ(old[0].shape(), (Shape{2, 3}));
}

TEST(ShapeOps, ReshapeErrorsNameTheNode) {
  EXPECT_THROW(run_op("Reshape", {iota_f({2, 3}), ints({4, -1})}), Error);
  EXPECT_THROW(run_op("Reshape", {iota_f({2, 3}), ints({-1, -1})}), Error);
  try {
    run_op("Reshape", {iota_f({2, 3}), ints({5})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Reshape_under_test"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[5]"), std::string::npos) << e.what();
  }
}

// Found by fuzz/onnx_run_fuzzer: dims whose product passes int64 are an error, not an overflow.
TEST(ShapeOps, ReshapeToAnOverflowingShapeIsAnError) {
  const int64_t big = int64_t{1} << 62;
  for (auto spec :
       {std::vector<int64_t>{2, big, -1}, std::vector<int64_t>{big, 4}, std::vector<int64_t>{big, big, 0}}) {
    try {
      run_op("Reshape", {iota_f({2, 3}), ints(spec)}, {{"allowzero", attr_int(1)}}, 1, 14);
      FAIL() << shape_str(spec);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("Reshape_under_test"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cannot reshape"), std::string::npos) << e.what();
    }
  }
}

TEST(ShapeOps, FlattenAxes) {
  EXPECT_EQ(run_op("Flatten", {iota_f({2, 3, 4})})[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(run_op("Flatten", {iota_f({2, 3, 4})}, {{"axis", attr_int(0)}})[0].shape(), (Shape{1, 24}));
  EXPECT_EQ(run_op("Flatten", {iota_f({2, 3, 4})}, {{"axis", attr_int(3)}})[0].shape(), (Shape{24, 1}));
  EXPECT_EQ(run_op("Flatten", {iota_f({2, 3, 4})}, {{"axis", attr_int(-1)}})[0].shape(), (Shape{6, 4}));
  EXPECT_THROW(run_op("Flatten", {iota_f({2, 3})}, {{"axis", attr_int(3)}}), Error);
}

TEST(ShapeOps, SqueezeAxesAttributeBefore13InputFrom13) {
  Tensor x = iota_f({1, 3, 1, 2});
  EXPECT_EQ(run_op("Squeeze", {x}, {{"axes", attr_ints({-2})}}, 1, 11)[0].shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(run_op("Squeeze", {x, ints({0})}, {}, 1, 13)[0].shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(run_op("Squeeze", {x}, {}, 1, 13)[0].shape(), (Shape{3, 2}));
  EXPECT_THROW(run_op("Squeeze", {x, ints({1})}, {}, 1, 13), Error);
}

TEST(ShapeOps, UnsqueezeAxesIndexTheOutput) {
  Tensor x = iota_f({3, 4});
  EXPECT_EQ(run_op("Unsqueeze", {x}, {{"axes", attr_ints({0, 3})}}, 1, 11)[0].shape(), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(run_op("Unsqueeze", {x, ints({-1, 1})}, {}, 1, 13)[0].shape(), (Shape{3, 1, 4, 1}));
  EXPECT_EQ(run_op("Unsqueeze", {Tensor::scalar<float>(2.f), ints({0})}, {}, 1, 13)[0].shape(), (Shape{1}));
  EXPECT_THROW(run_op("Unsqueeze", {x, ints({1, 1})}, {}, 1, 13), Error);
  EXPECT_THROW(run_op("Unsqueeze", {x, ints({3})}, {}, 1, 13), Error);
}

TEST(ShapeOps, ShapeStartEndFrom15) {
  Tensor x = iota_f({2, 3, 4, 5});
  auto dims = [](const Tensor& t) { return t.to_int64_vector(); };
  EXPECT_EQ(dims(run_op("Shape", {x})[0]), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(dims(run_op("Shape", {x}, {{"start", attr_int(1)}, {"end", attr_int(-1)}}, 1, 15)[0]),
            (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(dims(run_op("Shape", {x}, {{"start", attr_int(-10)}, {"end", attr_int(10)}}, 1, 15)[0]),
            (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(run_op("Shape", {x}, {{"start", attr_int(3)}, {"end", attr_int(1)}}, 1, 15)[0].shape(), (Shape{0}));
  // Before 15 start/end are not part of the op.
  EXPECT_EQ(run_op("Shape", {x}, {{"start", attr_int(1)}}, 1, 13)[0].numel(), 4);
}

TEST(ShapeOps, SizeIsInt64Scalar) {
  Tensor s = run_op("Size", {iota_f({2, 3, 4})})[0];
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(*s.data<int64_t>(), 24);
}

TEST(ShapeOps, IdentityAndDropoutPassThrough) {
  Tensor x = Tensor::from_vector<int8_t>({3}, {1, -2, 3});
  expect_close(run_op("Identity", {x})[0], x, 0);
  auto d = run_op("Dropout", {x}, {{"ratio", attr_float(0.3f)}}, 2, 11);
  expect_close(d[0], x, 0);
  expect_close(d[1], Tensor::from_vector<bool>({3}, {true, true, true}), 0);
  // Opset 12+: ratio and training_mode are inputs; training with ratio 0 is still the identity.
  auto z = run_op("Dropout", {x, Tensor::scalar<float>(0.f), Tensor::scalar<bool>(true)}, {}, 2, 13);
  expect_close(z[0], x, 0);
  EXPECT_THROW(run_op("Dropout", {x, Tensor::scalar<float>(0.5f), Tensor::scalar<bool>(true)}, {}, 1, 13), Error);
  expect_close(run_op("Dropout", {x, Tensor::scalar<float>(0.5f), Tensor::scalar<bool>(false)}, {}, 1, 13)[0], x, 0);
}

}  // namespace
}  // namespace octet::testing
