// ops/pool.cc: MaxPool and AveragePool on a channels-last input (the form passes/channels_last.cc
// gives them inside an NHWC region) equal the NCHW op transposed, element for element, for padding,
// strides, dilations, ceil_mode, a window entirely in the padding, NaN and integer types; the INT8
// Int8AveragePool is within one step of dequantize -> AveragePool -> quantize.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "ir/octet_ops.h"
#include "op_test_util.h"

namespace octet {
namespace {

using testing::attr_int;
using testing::attr_ints;
using testing::run_op;

// [N, C, H, W] <-> [N, H, W, C] for any 4-D tensor of 1-, 4- or 8-byte elements.
Tensor permute(const Tensor& x, bool to_nhwc) {
  const int64_t N = x.dim(0), A = x.dim(1), B = x.dim(2), D = x.dim(3);  // in x's order
  Shape out = to_nhwc ? Shape{N, B, D, A} : Shape{N, D, A, B};
  Tensor y(x.dtype(), out);
  const size_t e = dtype_size(x.dtype());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  auto* dst = static_cast<uint8_t*>(y.raw());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t a = 0; a < A; ++a)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t d = 0; d < D; ++d) {
          const int64_t from = ((n * A + a) * B + b) * D + d;
          // NCHW -> NHWC: (n, c=a, h=b, w=d) goes to (n, h, w, c); NHWC -> NCHW: (n, h=a, w=b, c=d).
          const int64_t to = to_nhwc ? ((n * B + b) * D + d) * A + a : ((n * D + d) * A + a) * B + b;
          std::memcpy(dst + to * e, src + from * e, e);
        }
  return y;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.numel() * dtype_size(a.dtype())) == 0;
}

TEST(MaxPoolNhwc, EqualsTheNchwOpTransposed) {
  std::mt19937 rng(4);
  std::normal_distribution<float> nd;
  struct Attrs {
    std::vector<int64_t> kernel, strides, pads, dilations;
    int64_t ceil_mode;
  };
  const Attrs cases[] = {{{2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 0},
                         {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0},
                         {{3, 2}, {1, 2}, {2, 0, 1, 1}, {2, 1}, 1},
                         {{2, 2}, {3, 3}, {1, 1, 1, 1}, {1, 1}, 1},
                         {{5, 5}, {1, 1}, {4, 4, 4, 4}, {1, 1}, 0}};  // corner windows all in the padding
  for (DType dtype : {DType::kFloat32, DType::kUInt8, DType::kInt8}) {
    Tensor x(dtype, {2, 19, 7, 6});  // 19 channels: not a vector width
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = nd(rng) * 50;
      if (dtype == DType::kFloat32) x.data<float>()[i] = i % 97 == 5 ? std::numeric_limits<float>::quiet_NaN() : v;
      if (dtype == DType::kUInt8) x.data<uint8_t>()[i] = static_cast<uint8_t>(rng());
      if (dtype == DType::kInt8) x.data<int8_t>()[i] = static_cast<int8_t>(rng());
    }
    for (const Attrs& a : cases) {
      SCOPED_TRACE(cat(dtype_name(dtype), " kernel ", a.kernel[0], "x", a.kernel[1], " ceil ", a.ceil_mode));
      std::map<std::string, Attribute> attrs = {{"kernel_shape", attr_ints(a.kernel)},
                                                {"strides", attr_ints(a.strides)},
                                                {"pads", attr_ints(a.pads)},
                                                {"dilations", attr_ints(a.dilations)},
                                                {"ceil_mode", attr_int(a.ceil_mode)}};
      const Tensor want = run_op("MaxPool", {x}, attrs)[0];
      attrs["channels_last"] = attr_int(1);
      for (int threads : {1, 2}) {
        const Tensor got = run_op("MaxPool", {permute(x, true)}, attrs, 1, 17, threads)[0];
        EXPECT_TRUE(same_bits(permute(got, false), want));
      }
    }
  }
}

struct PoolAttrs {
  std::vector<int64_t> kernel, strides, pads;
  int64_t ceil_mode, count_include_pad;
};

std::map<std::string, Attribute> pool_attrs(const PoolAttrs& a) {
  return {{"kernel_shape", attr_ints(a.kernel)},
          {"strides", attr_ints(a.strides)},
          {"pads", attr_ints(a.pads)},
          {"ceil_mode", attr_int(a.ceil_mode)},
          {"count_include_pad", attr_int(a.count_include_pad)}};
}

const PoolAttrs kAverageCases[] = {{{2, 2}, {2, 2}, {0, 0, 0, 0}, 0, 0},
                                   {{3, 3}, {2, 2}, {1, 1, 1, 1}, 0, 1},
                                   {{3, 3}, {1, 1}, {1, 1, 1, 1}, 0, 0},
                                   {{3, 2}, {2, 2}, {1, 0, 0, 1}, 1, 1},
                                   {{5, 5}, {1, 1}, {4, 4, 4, 4}, 0, 0}};

TEST(AveragePoolNhwc, EqualsTheNchwOpTransposed) {
  std::mt19937 rng(6);
  std::normal_distribution<float> nd;
  Tensor x(DType::kFloat32, {2, 19, 7, 6});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = nd(rng);
  for (const PoolAttrs& a : kAverageCases) {
    SCOPED_TRACE(
        cat("kernel ", a.kernel[0], "x", a.kernel[1], " ceil ", a.ceil_mode, " include ", a.count_include_pad));
    auto attrs = pool_attrs(a);
    const Tensor want = run_op("AveragePool", {x}, attrs)[0];
    attrs["channels_last"] = attr_int(1);
    for (int threads : {1, 2}) {
      const Tensor got = run_op("AveragePool", {permute(x, true)}, attrs, 1, 17, threads)[0];
      EXPECT_TRUE(same_bits(permute(got, false), want));
    }
  }
}

TEST(Int8AveragePool, WithinOneStepOfTheFloatPoolOnDequantizedCodes) {
  std::mt19937 rng(8);
  Tensor codes(DType::kUInt8, {2, 5, 9, 8});
  for (int64_t i = 0; i < codes.numel(); ++i) codes.data<uint8_t>()[i] = static_cast<uint8_t>(rng());
  const float x_scale = 0.05f, y_scale = 0.03f;
  const int x_zp = 100, y_zp = 120;
  Tensor real(DType::kFloat32, codes.shape());
  for (int64_t i = 0; i < real.numel(); ++i) real.data<float>()[i] = (codes.data<uint8_t>()[i] - x_zp) * x_scale;
  for (const PoolAttrs& a : kAverageCases) {
    SCOPED_TRACE(cat("kernel ", a.kernel[0], "x", a.kernel[1], " include ", a.count_include_pad));
    auto attrs = pool_attrs(a);
    const Tensor ref = run_op("AveragePool", {real}, attrs)[0];
    attrs["x_scale"] = testing::attr_float(x_scale);
    attrs["y_scale"] = testing::attr_float(y_scale);
    attrs["x_zero_point"] = attr_int(x_zp);
    attrs["y_zero_point"] = attr_int(y_zp);
    const Tensor got = run_op(octet_op::kInt8AveragePool, {codes}, attrs, 1, 1, 1, {}, "com.octet")[0];
    ASSERT_EQ(got.shape(), ref.shape());
    for (int64_t i = 0; i < got.numel(); ++i) {
      const float want = std::clamp(std::nearbyint(ref.data<float>()[i] / y_scale) + y_zp, 0.f, 255.f);
      ASSERT_LE(std::fabs(got.data<uint8_t>()[i] - want), 1.0f) << i;
    }
    attrs["channels_last"] = attr_int(1);
    const Tensor nhwc = run_op(octet_op::kInt8AveragePool, {permute(codes, true)}, attrs, 1, 1, 1, {}, "com.octet")[0];
    EXPECT_TRUE(same_bits(permute(nhwc, false), got));
  }
}

}  // namespace
}  // namespace octet
