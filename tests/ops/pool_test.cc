// ops/pool.cc: MaxPool on a channels-last input (the form passes/channels_last.cc gives it inside
// an NHWC region) equals the NCHW op transposed, element for element, for padding, strides,
// dilations, ceil_mode, a window entirely in the padding, NaN and integer types.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

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
  const Attrs cases[] = {{{2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 0}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0},
                         {{3, 2}, {1, 2}, {2, 0, 1, 1}, {2, 1}, 1}, {{2, 2}, {3, 3}, {1, 1, 1, 1}, {1, 1}, 1},
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
      std::map<std::string, Attribute> attrs = {{"kernel_shape", attr_ints(a.kernel)}, {"strides", attr_ints(a.strides)},
                                                {"pads", attr_ints(a.pads)}, {"dilations", attr_ints(a.dilations)},
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

}  // namespace
}  // namespace octet
