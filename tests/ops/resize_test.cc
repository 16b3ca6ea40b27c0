// Resize: expectations are the outputs of the ONNX backend tests (onnx/backend/test/case/node/
// resize.py, made by the ONNX reference implementation) or computed by hand in the comments.
#include <cmath>
#include <numeric>

#include "ops/cast.h"
#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor iota4(int64_t h, int64_t w) {  // [1, 1, h, w] holding 1, 2, 3, ...
  Tensor t(DType::kFloat32, {1, 1, h, w});
  std::iota(t.data<float>(), t.data<float>() + t.numel(), 1.f);
  return t;
}
Tensor floats(Shape shape, std::vector<float> v) { return Tensor::from_vector<float>(std::move(shape), v); }
Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }
Tensor scales(std::vector<float> v) { return floats({static_cast<int64_t>(v.size())}, v); }

using Attrs = std::map<std::string, Attribute>;
Tensor resize_scales(const Tensor& x, std::vector<float> s, Attrs attrs, int opset = 19) {
  return run_op("Resize", {x, Tensor(), scales(s)}, std::move(attrs), 1, opset)[0];
}
Tensor resize_sizes(const Tensor& x, std::vector<int64_t> s, Attrs attrs, int opset = 19) {
  return run_op("Resize", {x, Tensor(), Tensor(), ints(s)}, std::move(attrs), 1, opset)[0];
}

TEST(ResizeOp, NearestUpsampleAndDownsample) {
  expect_close(resize_scales(iota4(2, 2), {1, 1, 2, 3}, {}),
               floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}), 0);
  // floor(2 * 0.6) = 1, floor(4 * 0.6) = 2 outputs.
  expect_close(resize_scales(iota4(2, 4), {1, 1, .6f, .6f}, {}), floats({1, 1, 1, 2}, {1, 3}), 0);
  expect_close(resize_sizes(iota4(2, 4), {1, 1, 1, 3}, {}), floats({1, 1, 1, 3}, {1, 2, 4}), 0);
}

TEST(ResizeOp, NearestModes) {
  Tensor x = floats({2}, {1, 2});
  Attrs asym = {{"coordinate_transformation_mode", attr_string("asymmetric")}};
  // x_original = j / 4 = 0, .25, .5, .75, 1, 1.25, 1.5, 1.75 (clamped to index 1).
  auto with = [&](const char* mode) {
    Attrs a = asym;
    a["nearest_mode"] = attr_string(mode);
    return resize_sizes(x, {8}, a);
  };
  expect_close(with("round_prefer_floor"), floats({8}, {1, 1, 1, 2, 2, 2, 2, 2}), 0);
  expect_close(with("round_prefer_ceil"), floats({8}, {1, 1, 2, 2, 2, 2, 2, 2}), 0);
  expect_close(with("floor"), floats({8}, {1, 1, 1, 1, 2, 2, 2, 2}), 0);
  expect_close(with("ceil"), floats({8}, {1, 2, 2, 2, 2, 2, 2, 2}), 0);
  expect_close(resize_sizes(iota4(4, 4), {1, 1, 8, 8}, {{"nearest_mode", attr_string("ceil")}}).reshaped({64}),
               floats({64}, {1,  2,  2,  3,  3,  4,  4,  4,  5,  6,  6,  7,  7,  8,  8,  8,  5,  6,  6,  7,  7,  8,
                             8,  8,  9,  10, 10, 11, 11, 12, 12, 12, 9,  10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15,
                             15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16}),
               0);
  EXPECT_THROW(with("nearest"), Error);
}

// Quantization codes (uint8, int8) interpolate in float and round half to even, saturating: the
// codes of the float result under the same scale and zero point.
TEST(ResizeOp, LinearOnCodesRoundsTheFloatResult) {
  Tensor x = Tensor::from_vector<uint8_t>({1, 1, 2, 3}, {0, 3, 255, 10, 20, 250});
  Attrs linear = {{"mode", attr_string("linear")}};
  Tensor want = resize_sizes(cast_tensor(x, DType::kFloat32), {1, 1, 5, 7}, linear);
  Tensor got = resize_sizes(x, {1, 1, 5, 7}, linear);
  ASSERT_EQ(got.dtype(), DType::kUInt8);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_EQ(got.data<uint8_t>()[i], std::nearbyint(want.data<float>()[i])) << i;
  Tensor s = Tensor::from_vector<int8_t>({1, 4}, {-128, 127, -3, 4});
  Tensor sw = resize_scales(cast_tensor(s, DType::kFloat32), {1, 2}, linear);
  Tensor sg = resize_scales(s, {1, 2}, linear);
  ASSERT_EQ(sg.dtype(), DType::kInt8);
  for (int64_t i = 0; i < sw.numel(); ++i) EXPECT_EQ(sg.data<int8_t>()[i], std::nearbyint(sw.data<float>()[i])) << i;
}

TEST(ResizeOp, NearestIsDtypeGeneric) {
  Tensor x = Tensor::from_vector<uint8_t>({1, 2}, {7, 200});
  expect_close(run_op("Resize", {x, Tensor(), scales({1, 2})}, {}, 1, 13)[0],
               Tensor::from_vector<uint8_t>({1, 4}, {7, 7, 200, 200}), 0);
}

TEST(ResizeOp, LinearCoordinateModes) {
  expect_close(resize_scales(iota4(2, 2), {1, 1, 2, 2}, {{"mode", attr_string("linear")}}),
               floats({1, 1, 4, 4},
                      {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}),
               1e-6);
  expect_close(resize_scales(
                   iota4(2, 2), {1, 1, 2, 2},
                   {{"mode", attr_string("linear")}, {"coordinate_transformation_mode", attr_string("align_corners")}}),
               floats({1, 1, 4, 4}, {1, 4 / 3.f, 5 / 3.f, 2, 5 / 3.f, 2, 7 / 3.f, 8 / 3.f, 7 / 3.f, 8 / 3.f, 3,
                                     10 / 3.f, 3, 10 / 3.f, 11 / 3.f, 4}),
               1e-5);
  expect_close(resize_scales(iota4(2, 4), {1, 1, .6f, .6f}, {{"mode", attr_string("linear")}}),
               floats({1, 1, 1, 2}, {2.6666665f, 4.3333331f}), 1e-5);
  // pytorch_half_pixel maps a length-1 output to coordinate 0.
  expect_close(resize_sizes(iota4(4, 4), {1, 1, 3, 1},
                            {{"mode", attr_string("linear")},
                             {"coordinate_transformation_mode", attr_string("pytorch_half_pixel")}}),
               floats({1, 1, 3, 1}, {1.6666666f, 7.f, 12.333333f}), 1e-5);
  expect_close(
      resize_scales(
          iota4(2, 2), {1, 1, 2.3f, 2.94f},
          {{"mode", attr_string("linear")}, {"coordinate_transformation_mode", attr_string("half_pixel_symmetric")}}),
      floats({1, 1, 4, 5}, {1.f,         1.15986395f, 1.5f,        1.84013605f, 2.f,         1.56521738f, 1.72508133f,
                            2.06521738f, 2.40535343f, 2.56521738f, 2.43478262f, 2.59464657f, 2.93478262f, 3.27491867f,
                            3.43478262f, 3.f,         3.15986395f, 3.5f,        3.84013605f, 4.f}),
      1e-5);
}

TEST(ResizeOp, CubicVariants) {
  Attrs cubic = {{"mode", attr_string("cubic")}};
  Tensor up = resize_scales(iota4(4, 4), {1, 1, 2, 2}, cubic);
  expect_close(
      up.reshaped({1, 64}),
      floats(
          {1, 64},
          {0.47265625f,  0.76953125f,  1.24609375f,  1.875f,    2.28125f,  2.91015625f,  3.38671875f,  3.68359375f,
           1.66015625f,  1.95703125f,  2.43359375f,  3.0625f,   3.46875f,  4.09765625f,  4.57421875f,  4.87109375f,
           3.56640625f,  3.86328125f,  4.33984375f,  4.96875f,  5.375f,    6.00390625f,  6.48046875f,  6.77734375f,
           6.08203125f,  6.37890625f,  6.85546875f,  7.484375f, 7.890625f, 8.51953125f,  8.99609375f,  9.29296875f,
           7.70703125f,  8.00390625f,  8.48046875f,  9.109375f, 9.515625f, 10.14453125f, 10.62109375f, 10.91796875f,
           10.22265625f, 10.51953125f, 10.99609375f, 11.625f,   12.03125f, 12.66015625f, 13.13671875f, 13.43359375f,
           12.12890625f, 12.42578125f, 12.90234375f, 13.53125f, 13.9375f,  14.56640625f, 15.04296875f, 15.33984375f,
           13.31640625f, 13.61328125f, 14.08984375f, 14.71875f, 15.125f,   15.75390625f, 16.23046875f, 16.52734375f}),
      1e-5);
  expect_close(resize_scales(iota4(4, 4), {1, 1, .8f, .8f}, cubic),
               floats({1, 1, 3, 3}, {1.47119141f, 2.78125f, 4.08251953f, 6.71142578f, 8.02148438f, 9.32275391f,
                                     11.91650391f, 13.2265625f, 14.52783203f}),
               1e-5);
  Attrs excl = cubic;
  excl["cubic_coeff_a"] = attr_float(-0.5f);
  excl["exclude_outside"] = attr_int(1);
  expect_close(resize_scales(iota4(4, 4), {1, 1, .8f, .8f}, excl),
               floats({1, 1, 3, 3}, {1.36812675f, 2.6695014f, 4.0133367f, 6.57362535f, 7.875f, 9.2188353f, 11.94896657f,
                                     13.25034122f, 14.59417652f}),
               1e-5);
  Attrs asym = cubic;
  asym["coordinate_transformation_mode"] = attr_string("asymmetric");
  Tensor a = resize_scales(iota4(4, 4), {1, 1, 2, 2}, asym);
  expect_close(
      a.reshaped({64}),
      floats({64}, {1.0f,    1.40625f,  2.0f,    2.5f,      3.0f,    3.59375f,  4.0f,    4.09375f,  2.625f,  3.03125f,
                    3.625f,  4.125f,    4.625f,  5.21875f,  5.625f,  5.71875f,  5.0f,    5.40625f,  6.0f,    6.5f,
                    7.0f,    7.59375f,  8.0f,    8.09375f,  7.0f,    7.40625f,  8.0f,    8.5f,      9.0f,    9.59375f,
                    10.0f,   10.09375f, 9.0f,    9.40625f,  10.0f,   10.5f,     11.0f,   11.59375f, 12.0f,   12.09375f,
                    11.375f, 11.78125f, 12.375f, 12.875f,   13.375f, 13.96875f, 14.375f, 14.46875f, 13.0f,   13.40625f,
                    14.0f,   14.5f,     15.0f,   15.59375f, 16.0f,   16.09375f, 13.375f, 13.78125f, 14.375f, 14.875f,
                    15.375f, 15.96875f, 16.375f, 16.46875f}),
      1e-5);
}

TEST(ResizeOp, TfCropAndResizeWithExtrapolation) {
  Attrs a = {{"mode", attr_string("linear")}, {"coordinate_transformation_mode", attr_string("tf_crop_and_resize")}};
  Tensor roi = floats({8}, {0, 0, .4f, .6f, 1, 1, .6f, .8f});
  expect_close(run_op("Resize", {iota4(4, 4), roi, Tensor(), ints({1, 1, 3, 3})}, a, 1, 13)[0],
               floats({1, 1, 3, 3}, {7.6f, 7.9f, 8.2f, 8.8f, 9.1f, 9.4f, 10.f, 10.3f, 10.6f}), 1e-5);
  a["extrapolation_value"] = attr_float(10.f);
  Tensor far = floats({8}, {0, 0, .4f, .6f, 1, 1, 1.2f, 1.7f});
  expect_close(run_op("Resize", {iota4(4, 4), far, Tensor(), ints({1, 1, 3, 3})}, a, 1, 13)[0],
               floats({1, 1, 3, 3}, {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10}), 1e-5);
}

TEST(ResizeOp, Opset18AxesAndKeepAspectRatio) {
  // sizes 7x8 with not_larger: scale = min(7/2, 8/2) = 3.5 -> 7x7; coordinates (j + .5) / 3.5 - .5
  // give rows/cols 0,0,0,0 (0.5 rounds to floor),1,1,1.
  Tensor y = run_op("Resize", {iota4(2, 2), Tensor(), Tensor(), ints({7, 8})},
                    {{"axes", attr_ints({2, 3})}, {"keep_aspect_ratio_policy", attr_string("not_larger")}}, 1, 18)[0];
  ASSERT_EQ(y.shape(), (Shape{1, 1, 7, 7}));
  EXPECT_EQ(y.data<float>()[3 * 7 + 3], 1.f);
  EXPECT_EQ(y.data<float>()[4 * 7 + 3], 3.f);
  EXPECT_EQ(y.data<float>()[6 * 7 + 6], 4.f);
  // not_smaller: scale 4 -> 8x8.
  EXPECT_EQ(run_op("Resize", {iota4(2, 2), Tensor(), Tensor(), ints({7, 8})},
                   {{"axes", attr_ints({-2, -1})}, {"keep_aspect_ratio_policy", attr_string("not_smaller")}}, 1, 18)[0]
                .shape(),
            (Shape{1, 1, 8, 8}));
  // Scales over the listed axes only.
  EXPECT_EQ(run_op("Resize", {iota4(2, 2), Tensor(), scales({3})}, {{"axes", attr_ints({3})}}, 1, 18)[0].shape(),
            (Shape{1, 1, 2, 6}));
}

TEST(ResizeOp, Opset11EmptyRoiAndScales) {
  Tensor y =
      run_op("Resize", {iota4(2, 2), Tensor(DType::kFloat32, {0}), Tensor(DType::kFloat32, {0}), ints({1, 1, 4, 4})},
             {{"mode", attr_string("linear")}}, 1, 11)[0];
  EXPECT_EQ(y.data<float>()[1], 1.25f);
}

TEST(ResizeOp, RejectsBadArguments) {
  EXPECT_THROW(run_op("Resize", {iota4(2, 2), Tensor(), scales({1, 1, 2, 2}), ints({1, 1, 4, 4})}, {}, 1, 13), Error);
  EXPECT_THROW(run_op("Resize", {iota4(2, 2), Tensor(), Tensor()}, {}, 1, 13), Error);
  EXPECT_THROW(resize_scales(iota4(2, 2), {1, 2}, {}), Error);
  EXPECT_THROW(resize_scales(iota4(2, 2), {1, 1, 2, 2}, {{"antialias", attr_int(1)}}), Error);
  EXPECT_THROW(resize_scales(iota4(2, 2), {1, 1, 2, 2}, {{"coordinate_transformation_mode", attr_string("bogus")}}),
               Error);
  EXPECT_THROW(resize_scales(Tensor::from_vector<int32_t>({2}, {1, 2}), {2}, {{"mode", attr_string("linear")}}), Error);
  // Output sizes past int64 (the onnx_run fuzzer's: a scale of 1.6e29) or infinite are errors,
  // not an undefined cast.
  for (float huge : {1.6e29f, INFINITY}) {
    try {
      resize_scales(iota4(2, 2), {1, 1, huge, 1}, {});
      ADD_FAILURE() << "no error for scale " << huge;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("is not a tensor size"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(resize_sizes(iota4(1, 2), {1, 1, 4611686018427387904, 1},
                            {{"keep_aspect_ratio_policy", attr_string("not_smaller")}}),
               Error);
}

// An output no machine holds is refused by the tensor allocator before anything is sized from its
// axes (the onnx_run fuzzer's: a 2^31-long axis asked for a 2^31-entry table first), and an empty
// output needs no per-axis work however long its other axes are.
TEST(ResizeOp, HugeOutputIsRefusedFirstAndEmptyOutputIsEmpty) {
  for (const char* mode : {"nearest", "linear"}) {
    try {
      resize_scales(iota4(2, 2), {1, 1, 34359738368.f, 1}, {{"mode", attr_string(mode)}});  // an axis of 2^36
      ADD_FAILURE() << mode << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("larger than 64 GiB"), std::string::npos) << e.what();
    }
    const Tensor empty = resize_sizes(iota4(2, 2), {1, 1, 0, int64_t{1} << 40}, {{"mode", attr_string(mode)}});
    EXPECT_EQ(empty.shape(), (Shape{1, 1, 0, int64_t{1} << 40})) << mode;
  }
}

}  // namespace
}  // namespace octet::testing
