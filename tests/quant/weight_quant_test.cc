#include "quant/weight_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace octet::quant {
namespace {

Node node(const std::string& op, int trans_b = 0) {
  Node n;
  n.name = "n";
  n.op_type = op;
  if (op == "Gemm") {
    Attribute a;
    a.kind = Attribute::Kind::kInt;
    a.i = trans_b;
    n.attrs["transB"] = a;
  }
  return n;
}

TEST(WeightQuant, ChannelAxisOfEachWeightedOp) {
  EXPECT_EQ(weight_channel_axis(node("Conv"), 4), 0);
  EXPECT_EQ(weight_channel_axis(node("ConvTranspose"), 4), 1);
  EXPECT_EQ(weight_channel_axis(node("Gemm", 0), 2), 1);
  EXPECT_EQ(weight_channel_axis(node("Gemm", 1), 2), 0);
  EXPECT_EQ(weight_channel_axis(node("MatMul"), 2), 1);
  EXPECT_EQ(weight_channel_axis(node("MatMul"), 3), 2);
  EXPECT_EQ(weight_channel_axis(node("LSTM"), 3), 1);
  EXPECT_EQ(weight_channel_axis(node("GRU"), 3), 1);
  EXPECT_EQ(weight_channel_axis(node("Add"), 2), -1);
}

// [2, 3] weight per channel of axis 1: each column gets its own symmetric scale max|w| / 127.5
// (PyTorch's (qmax - qmin) / 2).
TEST(WeightQuant, PerChannelQParamsAndCodes) {
  const Tensor w = Tensor::from_vector<float>({2, 3}, {1.27f, -0.5f, 0.0f, -0.635f, 2.54f, 0.0f});
  const QScheme scheme{DType::kInt8, true, false, 1};
  const TensorQParams qp = weight_qparams(w, scheme, "weight 'w'");
  ASSERT_EQ(qp.scale.size(), 3u);
  EXPECT_EQ(qp.axis, 1);
  EXPECT_FLOAT_EQ(qp.scale[0], 1.27f / 127.5f);
  EXPECT_FLOAT_EQ(qp.scale[1], 2.54f / 127.5f);
  EXPECT_EQ(qp.scale[2], 1.0f);  // an all-zero channel: scale 1, never 0
  const Tensor codes = quantize_weight(w, qp);
  const std::vector<int8_t> want = {127, -25, 0, -64, 127, 0};  // 127.5 -> 128 saturates to 127
  for (int64_t i = 0; i < codes.numel(); ++i) EXPECT_EQ(codes.data<int8_t>()[i], want[i]) << i;
  EXPECT_EQ(scale_tensor(qp).shape(), Shape{3});
  EXPECT_EQ(zero_point_tensor(qp).dtype(), DType::kInt8);

  const TensorQParams per_tensor = weight_qparams(w, QScheme{DType::kInt8, true, false, -1}, "weight 'w'");
  ASSERT_EQ(per_tensor.scale.size(), 1u);
  EXPECT_FLOAT_EQ(per_tensor.scale[0], 2.54f / 127.5f);
  EXPECT_EQ(scale_tensor(per_tensor).rank(), 0);
}

TEST(WeightQuant, NonFiniteWeightOrBiasIsNamed) {
  const Tensor w = Tensor::from_vector<float>({2, 2}, {0.1f, NAN, 0.2f, 0.3f});
  try {
    weight_qparams(w, QScheme{DType::kInt8, true, false, 0}, "weight 'w' of node 'fc'");
    ADD_FAILURE() << "NaN weight accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight 'w' of node 'fc' holds nan at flat index 1"), std::string::npos)
        << e.what();
  }
  std::vector<float> scales = {1.0f};
  const std::vector<float> bias = {INFINITY};
  EXPECT_THROW(fit_weight_scales_to_bias(bias, 1.0f, scales, "bias 'b'"), Error);
}

// Choosing qparams, a bias too large for the weight scale raises the scale until every code fits
// with headroom; lowering with given qparams, the same bias does not fit and quantize_bias refuses.
TEST(WeightQuant, BiasFitsByRaisingTheWeightScaleOrIsRefused) {
  const float x_scale = 1e-3f;
  const std::vector<float> bias = {5000.0f, -7000.0f, 0.5f};
  std::vector<int32_t> codes(3);
  const std::vector<float> given = {1e-9f, 1e-9f, 1e-3f};
  EXPECT_FALSE(quantize_bias(bias, x_scale, given, codes.data()));

  std::vector<float> scales = given;
  fit_weight_scales_to_bias(bias, x_scale, scales, "bias 'b'");
  EXPECT_GT(scales[0], given[0]);
  EXPECT_GT(scales[1], scales[0]);  // the larger bias needs the larger scale
  EXPECT_EQ(scales[2], given[2]);   // a small bias leaves its channel's scale alone
  ASSERT_TRUE(quantize_bias(bias, x_scale, scales, codes.data()));
  for (size_t c = 0; c < bias.size(); ++c) {
    EXPECT_LE(std::abs(double(codes[c])), kMaxBiasCode);
    EXPECT_EQ(codes[c], bias_code(bias[c], x_scale * scales[c]));
  }
  // One weight scale for all channels: raised for the largest bias.
  std::vector<float> one = {1e-9f};
  fit_weight_scales_to_bias(bias, x_scale, one, "bias 'b'");
  EXPECT_TRUE(quantize_bias(bias, x_scale, one, codes.data()));
  EXPECT_EQ(bias_code(2.5f, 1.0f), 2.0);  // half to even
}

}  // namespace
}  // namespace octet::quant
