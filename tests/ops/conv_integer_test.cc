// ConvInteger against a direct sum: operand types, zero points, groups (depthwise too), strides,
// dilations, pads, auto_pad, 1-D.
#include <random>

#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::attr_int;
using testing::attr_ints;
using testing::attr_string;
using testing::run_op;

Tensor random_bytes(DType t, Shape shape, std::mt19937& rng) {
  Tensor out(t, shape);
  auto* p = static_cast<uint8_t*>(out.raw());
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = uint8_t(rng());
  return out;
}

int32_t value(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kUInt8 ? int32_t(t.data<uint8_t>()[i]) : int32_t(t.data<int8_t>()[i]);
}

struct Conv {
  int64_t group = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
};

// 2-D NCHW convolution of (x - x_zp) and (w - w_zp[m]) with explicit pads.
std::vector<int32_t> reference(const Tensor& x, const Tensor& w, const Tensor* x_zp, const Tensor* w_zp, const Conv& c,
                               Shape* out_shape) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), M = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  const int64_t cg = C / c.group, mg = M / c.group;
  const int64_t oh = (H + c.pad_begin + c.pad_end - c.dilation * (kh - 1) - 1) / c.stride + 1;
  const int64_t ow = (W + c.pad_begin + c.pad_end - c.dilation * (kw - 1) - 1) / c.stride + 1;
  *out_shape = {N, M, oh, ow};
  std::vector<int32_t> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t s = 0;
          const int64_t g = m / mg, wz = w_zp ? value(*w_zp, w_zp->numel() == 1 ? 0 : m) : 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t iy = oy * c.stride - c.pad_begin + ky * c.dilation;
                const int64_t ix = ox * c.stride - c.pad_begin + kx * c.dilation;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;  // padding: x - x_zp = 0
                const int64_t xv = value(x, ((n * C + g * cg + ci) * H + iy) * W + ix) - (x_zp ? value(*x_zp, 0) : 0);
                s += xv * (value(w, ((m * cg + ci) * kh + ky) * kw + kx) - wz);
              }
          y.push_back(int32_t(s));
        }
  return y;
}

void expect_matches(const Tensor& x, const Tensor& w, const Tensor* x_zp, const Tensor* w_zp, const Conv& c) {
  Shape shape;
  const std::vector<int32_t> want = reference(x, w, x_zp, w_zp, c, &shape);
  std::map<std::string, Attribute> attrs{{"group", attr_int(c.group)},
                                         {"strides", attr_ints({c.stride, c.stride})},
                                         {"dilations", attr_ints({c.dilation, c.dilation})},
                                         {"pads", attr_ints({c.pad_begin, c.pad_begin, c.pad_end, c.pad_end})}};
  std::vector<Tensor> inputs{x, w, x_zp ? *x_zp : Tensor(), w_zp ? *w_zp : Tensor()};
  for (std::vector<size_t> constants : {std::vector<size_t>{}, std::vector<size_t>{1, 3}})
    for (int threads : {1, 2}) {
      SCOPED_TRACE(cat("x ", dtype_name(x.dtype()), shape_str(x.shape()), " w ", dtype_name(w.dtype()),
                       shape_str(w.shape()), " group ", c.group, " stride ", c.stride, " dilation ", c.dilation,
                       " pads ", c.pad_begin, "/", c.pad_end, " constants ", constants.size(), " threads ", threads));
      Tensor y = run_op("ConvInteger", inputs, attrs, 1, 10, threads, constants)[0];
      ASSERT_EQ(y.dtype(), DType::kInt32);
      ASSERT_EQ(y.shape(), shape);
      EXPECT_EQ(std::vector<int32_t>(y.data<int32_t>(), y.data<int32_t>() + y.numel()), want);
    }
}

TEST(ConvInteger, EveryTypePairWithZeroPoints) {
  std::mt19937 rng(9);
  for (DType xt : {DType::kUInt8, DType::kInt8})
    for (DType wt : {DType::kUInt8, DType::kInt8}) {
      Tensor x = random_bytes(xt, {2, 6, 7, 8}, rng), w = random_bytes(wt, {40, 6, 3, 3}, rng);
      Tensor x_zp = random_bytes(xt, {}, rng), w_zp = random_bytes(wt, {40}, rng), w_zp1 = random_bytes(wt, {1}, rng);
      expect_matches(x, w, nullptr, nullptr, {1, 1, 1, 1, 1});
      expect_matches(x, w, &x_zp, &w_zp, {1, 2, 1, 1, 0});
      expect_matches(x, w, &x_zp, &w_zp1, {1, 1, 2, 2, 2});
    }
}

TEST(ConvInteger, GroupedDepthwiseAndPointwise) {
  std::mt19937 rng(4);
  Tensor x = random_bytes(DType::kUInt8, {1, 16, 9, 9}, rng), x_zp = random_bytes(DType::kUInt8, {}, rng);
  Tensor dw = random_bytes(DType::kInt8, {16, 1, 3, 3}, rng), dw_zp = random_bytes(DType::kInt8, {16}, rng);
  expect_matches(x, dw, &x_zp, nullptr, {16, 1, 1, 1, 1});  // depthwise, symmetric weights
  expect_matches(x, dw, &x_zp, &dw_zp, {16, 2, 1, 1, 1});   // depthwise with weight zero points
  Tensor gw = random_bytes(DType::kUInt8, {8, 4, 5, 5}, rng);
  expect_matches(x, gw, &x_zp, nullptr, {4, 1, 1, 2, 2});  // 4 groups, uint8 weights
  Tensor pw = random_bytes(DType::kInt8, {33, 16, 1, 1}, rng);
  expect_matches(x, pw, &x_zp, nullptr, {});  // 1x1: the GEMM on x as it lies
}

TEST(ConvInteger, AutoPadAndOneDimensional) {
  Tensor x = Tensor::from_vector<uint8_t>({1, 1, 5}, {1, 2, 3, 4, 5});
  Tensor w = Tensor::from_vector<uint8_t>({1, 1, 3}, {1, 1, 1});
  // SAME_UPPER with stride 2: out = ceil(5 / 2) = 3, total pad 2 split 1 / 1.
  Tensor y = run_op("ConvInteger", {x, w, Tensor::scalar<uint8_t>(1)},
                    {{"auto_pad", attr_string("SAME_UPPER")}, {"strides", attr_ints({2})}}, 1, 10)[0];
  ASSERT_EQ(y.shape(), (Shape{1, 1, 3}));
  // x - 1 = 0 1 2 3 4, padded with zeros: windows (pad, 0, 1), (1, 2, 3), (3, 4, pad).
  EXPECT_EQ(std::vector<int32_t>(y.data<int32_t>(), y.data<int32_t>() + 3), (std::vector<int32_t>{1, 6, 7}));
}

TEST(ConvInteger, RejectsWhatItCannotComputeByName) {
  Tensor x = Tensor::from_vector<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor w = Tensor::from_vector<int8_t>({1, 1, 1, 1}, {1});
  auto message = [](const std::vector<Tensor>& in) { return testing::op_error("ConvInteger", in, {}, 10); };
  EXPECT_NE(message({x, w, Tensor::from_vector<uint8_t>({2}, {1, 2})}).find("must be one uint8 value"),
            std::string::npos);
  EXPECT_NE(message({x, w, Tensor(), Tensor::from_vector<int8_t>({2}, {1, 2})}).find("with 1 or 1 values"),
            std::string::npos);
  EXPECT_NE(message({Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4}), w}).find("must be uint8 or int8"),
            std::string::npos);
  EXPECT_NE(message({Tensor(DType::kUInt8, {1, 1, 2, 2, 2}), Tensor(DType::kInt8, {1, 1, 1, 1, 1})}).find("1-D or 2-D"),
            std::string::npos);
  EXPECT_NE(message({x, Tensor::from_vector<int8_t>({1, 2, 1, 1}, {1, 2})}).find("does not fit x"), std::string::npos);
}

}  // namespace
}  // namespace octet
