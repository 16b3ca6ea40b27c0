// QParamsCheck on small QDQ graphs with planted faults: each fault raises its flag, and a normal
// tensor (uint8 with zero point 0 on non-negative data) raises none.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "octet/debug.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

using testing::add_node;
using testing::f32_scalar;
using testing::f32_value;

// x [1, 8] -> QuantizeLinear(scale, zero point 0, uint8) -> DequantizeLinear -> y.
Graph activation_qdq(float scale) {
  Graph g;
  g.inputs = {f32_value("x", {1, 8})};
  g.outputs = {f32_value("y", {1, 8})};
  g.initializers["s"] = f32_scalar(scale);
  g.initializers["z"] = Tensor::scalar<uint8_t>(0);
  add_node(g, "QuantizeLinear", {"x", "s", "z"}, "xq");
  add_node(g, "DequantizeLinear", {"xq", "s", "z"}, "y");
  return g;
}

// A Conv weight [4, 3, 1, 1] of int8 codes (one row of three per output channel) behind a
// DequantizeLinear with the given scale(s) (per channel on axis 0 when more than one).
Graph conv_weight(const std::vector<int8_t>& codes, const std::vector<float>& scales, int8_t zero_point = 0) {
  Graph g;
  g.inputs = {f32_value("x", {1, 3, 2, 2})};
  g.outputs = {f32_value("y", {1, 4, 2, 2})};
  g.initializers["w"] = Tensor::from_vector<int8_t>({4, 3, 1, 1}, codes);
  const int64_t n = static_cast<int64_t>(scales.size());
  g.initializers["ws"] = n == 1 ? f32_scalar(scales[0]) : Tensor::from_vector<float>({n}, scales);
  g.initializers["wz"] = n == 1 ? Tensor::scalar<int8_t>(zero_point)
                                : Tensor::from_vector<int8_t>({n}, std::vector<int8_t>(n, zero_point));
  Node& dq = add_node(g, "DequantizeLinear", {"w", "ws", "wz"}, "wf");
  if (n > 1) dq.attrs["axis"].i = 0;
  add_node(g, "Conv", {"x", "wf"}, "y");
  return g;
}

const QParamsFlag* find_flag(const QTensorReport& r, const std::string& code) {
  for (const QParamsFlag& f : r.flags)
    if (f.code == code) return &f;
  return nullptr;
}

TEST(QParamsCheck, ZeroAndNanScalesAreErrors) {
  for (float bad : {0.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 1e-40f}) {
    std::vector<QTensorReport> r = QParamsCheck(activation_qdq(bad)).report();
    ASSERT_EQ(r.size(), 1u) << "the DequantizeLinear of the QuantizeLinear's codes is the same tensor";
    EXPECT_EQ(r[0].name, "x");
    EXPECT_EQ(r[0].kind, QTensorKind::kActivation);
    const QParamsFlag* f = find_flag(r[0], "bad_scale");
    ASSERT_NE(f, nullptr) << bad;
    EXPECT_EQ(f->severity, QParamsFlag::Severity::kError);
  }
  std::vector<QTensorReport> ok = QParamsCheck(activation_qdq(0.01f)).report();
  EXPECT_TRUE(ok[0].flags.empty());
  EXPECT_EQ(ok[0].range_low(0), 0.0);
  EXPECT_DOUBLE_EQ(ok[0].range_high(0), 255 * double(0.01f));
}

TEST(QParamsCheck, PerChannelScaleFlagsTheChannel) {
  std::vector<int8_t> codes(12, 1);
  const QTensorReport r = QParamsCheck(conv_weight(codes, {0.1f, 0.1f, 0.0f, 0.1f})).report().at(0);
  EXPECT_EQ(r.kind, QTensorKind::kWeight);
  EXPECT_EQ(r.axis, 0);
  const QParamsFlag* f = find_flag(r, "bad_scale");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->channels, (std::vector<int64_t>{2}));
}

// Per tensor, one channel 127x the others: the others keep one code of 127.
TEST(QParamsCheck, PerTensorWeightWithOneLargeChannelIsSpreadAndOutlier) {
  const QTensorReport r = QParamsCheck(conv_weight({127, -50, 3, 1, 0, -1, 0, 1, 0, -1, 1, 0}, {0.01f})).report().at(0);
  EXPECT_FALSE(r.axis.has_value());
  const QParamsFlag* spread = find_flag(r, "channel_spread");
  ASSERT_NE(spread, nullptr);
  EXPECT_EQ(spread->severity, QParamsFlag::Severity::kWarning);
  EXPECT_NE(spread->message.find("127x apart"), std::string::npos) << spread->message;
  const QParamsFlag* outlier = find_flag(r, "outlier_channel");
  ASSERT_NE(outlier, nullptr);
  EXPECT_EQ(outlier->channels, (std::vector<int64_t>{0}));
  EXPECT_EQ(find_flag(r, "dead_channel"), nullptr);
}

// Per channel, the same spread is kept apart by the scales: noted, not warned.
TEST(QParamsCheck, PerChannelSpreadIsOnlyANote) {
  std::vector<int8_t> codes(12, 100);
  const QTensorReport r = QParamsCheck(conv_weight(codes, {1.0f, 0.001f, 0.001f, 0.001f})).report().at(0);
  const QParamsFlag* spread = find_flag(r, "channel_spread");
  ASSERT_NE(spread, nullptr);
  EXPECT_EQ(spread->severity, QParamsFlag::Severity::kInfo);
}

TEST(QParamsCheck, AllZeroChannelIsDeadAndNonzeroWeightZeroPointIsFlagged) {
  const QTensorReport r = QParamsCheck(conv_weight({5, 6, 7, 5, 6, 7, 0, 0, 0, 5, 6, 7}, {0.1f})).report().at(0);
  const QParamsFlag* dead = find_flag(r, "dead_channel");
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->channels, (std::vector<int64_t>{2}));
  EXPECT_EQ(find_flag(r, "weight_zero_point"), nullptr);
  // With zero point 3 the codes 0 are real values -0.3: no channel is dead, the zero point is odd.
  const QTensorReport z = QParamsCheck(conv_weight({5, 6, 7, 5, 6, 7, 0, 0, 0, 5, 6, 7}, {0.1f}, 3)).report().at(0);
  EXPECT_NE(find_flag(z, "weight_zero_point"), nullptr);
  EXPECT_EQ(find_flag(z, "dead_channel"), nullptr);
}

TEST(QParamsCheck, DataBeyondTheRangeIsCountedAsClipped) {
  Graph g = activation_qdq(0.01f);  // [0, 2.55]
  QParamsCheck check(g);
  Executor exec(g);
  check.attach(exec);
  exec.run({{"x", Tensor::from_vector<float>({1, 8}, {-1, -0.5f, 0, 1, 2, 2.5f, 3, 10})}});
  exec.run({{"x", Tensor::from_vector<float>({1, 8}, {1, 1, 0, 1, 1, 1, 1, 1})}});
  const QTensorReport r = check.report().at(0);
  ASSERT_TRUE(r.observed.has_value());
  EXPECT_EQ(r.observed->count, 16);
  EXPECT_EQ(r.observed->min, -1);
  EXPECT_EQ(r.observed->max, 10);
  EXPECT_EQ(r.observed->below, 2);
  EXPECT_EQ(r.observed->above, 2);
  EXPECT_NE(find_flag(r, "clipped"), nullptr);
  const QParamsFlag* edge = find_flag(r, "zero_point_at_edge");
  ASSERT_NE(edge, nullptr);
  EXPECT_NE(edge->message.find("12.5% of the values were below"), std::string::npos) << edge->message;
  const QParamsFlag* dead = find_flag(r, "dead_channel");  // channel 2 is 0 in both runs
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->channels, (std::vector<int64_t>{2}));
}

// uint8 with zero point 0 on data that never goes below 0 (after a ReLU): normal, no flag.
TEST(QParamsCheck, ZeroPointAtQminOnNonNegativeDataIsNotFlagged) {
  Graph g = activation_qdq(0.01f);
  QParamsCheck check(g);
  Executor exec(g);
  check.attach(exec);
  exec.run({{"x", Tensor::from_vector<float>({1, 8}, {0.5f, 0, 1, 1, 2, 2.5f, 0.1f, 1})}});
  exec.run({{"x", Tensor::from_vector<float>({1, 8}, {1, 1, 2, 1, 1, 1, 1, 1})}});
  const QTensorReport r = check.report().at(0);
  EXPECT_EQ(r.observed->below + r.observed->above, 0);
  EXPECT_TRUE(r.flags.empty()) << r.flags[0].code << ": " << r.flags[0].message;
}

TEST(QParamsCheck, InconsistentQParamsNameTheNode) {
  Graph g = conv_weight(std::vector<int8_t>(12, 1), {0.1f, 0.1f, 0.1f});  // 3 scales, 4 channels
  try {
    QParamsCheck check(g);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'wf_node'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 scales for the 4 channels of 'w'"), std::string::npos) << e.what();
  }
  g.initializers["wz"] = Tensor::from_vector<int8_t>({2}, {0, 0});
  EXPECT_THROW(QParamsCheck{g}, Error);
}

}  // namespace
}  // namespace octet
