// The lowered element-wise and pooling INT8 ops of src/ops/int8_elementwise.cc, run as ops (the
// lowering tests in tests/passes/lower_static_test.cc run them inside networks).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/octet_ops.h"
#include "op_test_util.h"

namespace octet {
namespace {

using testing::attr_float;
using testing::attr_int;
using testing::run_op;

constexpr float kXScale = 0.05f, kYScale = 0.02f;
constexpr int kXZp = 90, kYZp = 7;

std::map<std::string, Attribute> qparams() {
  return {{"x_scale", attr_float(kXScale)},
          {"y_scale", attr_float(kYScale)},
          {"x_zero_point", attr_int(kXZp)},
          {"y_zero_point", attr_int(kYZp)}};
}

Tensor global_average_pool(const Tensor& x, bool channels_last) {
  auto attrs = qparams();
  if (channels_last) attrs["channels_last"] = attr_int(1);
  return run_op(octet_op::kInt8GlobalAveragePool, {x}, attrs, 1, 17, 2, {}, kOctetDomain)[0];
}

// y = sat(rne(sum(x - x_zp) * x_scale / (y_scale * pixels)) + y_zp) per [N, C] plane, the sum exact.
TEST(Int8GlobalAveragePool, NchwAndNhwcGiveTheExactlyRoundedMean) {
  std::mt19937 rng(5);
  for (const Shape& shape : {Shape{2, 3, 5, 7}, Shape{1, 4, 9}, Shape{3, 2, 1, 1}}) {
    SCOPED_TRACE(shape_str(shape));
    Tensor x(DType::kUInt8, shape);
    for (int64_t i = 0; i < x.numel(); ++i) x.data<uint8_t>()[i] = static_cast<uint8_t>(rng());
    const int64_t planes = shape[0] * shape[1], pixels = x.numel() / planes;
    const Tensor y = global_average_pool(x, false);
    Shape want_shape(shape.size(), 1);
    want_shape[0] = shape[0];
    want_shape[1] = shape[1];
    ASSERT_EQ(y.shape(), want_shape);
    const float mult = kXScale / (kYScale * static_cast<float>(pixels));
    for (int64_t p = 0; p < planes; ++p) {
      int64_t sum = 0;
      for (int64_t i = 0; i < pixels; ++i) sum += x.data<uint8_t>()[p * pixels + i] - kXZp;
      const float want = std::clamp(std::nearbyint(static_cast<float>(sum) * mult) + kYZp, 0.f, 255.f);
      EXPECT_EQ(y.data<uint8_t>()[p], static_cast<uint8_t>(want)) << "plane " << p;
    }
    if (shape.size() != 4) continue;
    // The same codes laid out [N, H, W, C] give the same means, [N, 1, 1, C].
    const int64_t n = shape[0], c = shape[1], hw = shape[2] * shape[3];
    Tensor nhwc(DType::kUInt8, {n, shape[2], shape[3], c});
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < hw; ++i)
          nhwc.data<uint8_t>()[(b * hw + i) * c + ch] = x.data<uint8_t>()[(b * c + ch) * hw + i];
    const Tensor y_nhwc = global_average_pool(nhwc, true);
    ASSERT_EQ(y_nhwc.shape(), (Shape{n, 1, 1, c}));
    for (int64_t p = 0; p < planes; ++p) EXPECT_EQ(y_nhwc.data<uint8_t>()[p], y.data<uint8_t>()[p]) << "plane " << p;
  }
}

TEST(Int8GlobalAveragePool, EmptyOrBadInputNamesTheNode) {
  auto error = [](const Shape& shape) -> std::string {
    try {
      run_op(octet_op::kInt8GlobalAveragePool, {Tensor(DType::kUInt8, shape)}, qparams(), 1, 17, 1, {}, kOctetDomain);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string empty = error({1, 3, 0, 4});
  EXPECT_NE(empty.find("node 'Int8GlobalAveragePool_under_test'"), std::string::npos) << empty;
  EXPECT_NE(empty.find("input [1,3,0,4] is empty"), std::string::npos) << empty;
  EXPECT_NE(error({1, 3}).find("input must be [N, C, ...]"), std::string::npos) << error({1, 3});
}

}  // namespace
}  // namespace octet
