// HistogramObserver against PyTorch's (2048 bins, re-binning on range growth, the L2 search), and
// the histogram-based kinds (percentile, entropy, mse): narrower than min/max on outliers.
#include "quant/observers/histogram.h"

#include <cmath>

#include "observer_test_util.h"

namespace octet::quant {
namespace {

using testing::expect_torch_qparams;
using testing::filled;
using testing::fixture;

const QScheme kU8{DType::kUInt8, false, false, -1};

TEST(HistogramObserver, MatchesPyTorch) {
  Tensor b0 = fixture("batch0"), b1 = fixture("batch1");
  auto one = make_observer("histogram", kU8);
  one->observe(b0);
  expect_torch_qparams(one->calculate_qparams(), "histogram_u8_one_batch", 1e-4, 1);
  one->observe(b1);  // the range grows: the first histogram is re-binned
  expect_torch_qparams(one->calculate_qparams(), "histogram_u8_two_batches", 2e-3, 1);
}

TEST(HistogramObserver, HistogramHoldsEveryFiniteValueOnce) {
  auto obs = make_observer("histogram", kU8);
  Tensor b0 = fixture("batch0"), b1 = fixture("batch1");
  obs->observe(b0);
  obs->observe(b1);
  obs->observe(filled({3}, {NAN, INFINITY, 1.0f}));
  const auto& h = static_cast<const HistogramObserver&>(*obs).histogram();
  double total = 0;
  for (double c : h) total += c;
  EXPECT_NEAR(total, double(b0.numel() + b1.numel() + 1), 1e-6);
  EXPECT_EQ(obs->stats().nan, 1);
  EXPECT_EQ(obs->stats().pos_inf, 1);
}

TEST(HistogramObserver, MergeOfEqualRangesIsExactAndSaveLoadRoundTrips) {
  Tensor b0 = fixture("batch0");
  for (const char* kind : {"histogram", "percentile", "entropy", "mse"}) {
    auto seq = make_observer(kind, kU8), a = make_observer(kind, kU8), b = make_observer(kind, kU8);
    seq->observe(b0);
    seq->observe(b0);
    a->observe(b0);
    b->observe(b0);
    a->merge(*b);
    EXPECT_EQ(a->to_json(), seq->to_json()) << kind;
    auto loaded = load_observer(nlohmann::json::parse(seq->to_json().dump()));
    EXPECT_EQ(loaded->kind(), kind);
    EXPECT_EQ(loaded->calculate_qparams().scale, seq->calculate_qparams().scale) << kind;
    EXPECT_EQ(loaded->calculate_qparams().zero_point, seq->calculate_qparams().zero_point) << kind;
  }
}

TEST(HistogramObserver, MergeOfDifferentRangesKeepsTheMass) {
  auto a = make_observer("histogram", kU8), b = make_observer("histogram", kU8), seq = make_observer("histogram", kU8);
  Tensor b0 = fixture("batch0"), b1 = fixture("batch1");
  a->observe(b0);
  b->observe(b1);
  a->merge(*b);
  seq->observe(b0);
  seq->observe(b1);
  const auto& ha = static_cast<const HistogramObserver&>(*a);
  const auto& hs = static_cast<const HistogramObserver&>(*seq);
  EXPECT_EQ(ha.min(), hs.min());
  EXPECT_EQ(ha.max(), hs.max());
  double ta = 0, ts = 0;
  for (double c : ha.histogram()) ta += c;
  for (double c : hs.histogram()) ts += c;
  EXPECT_NEAR(ta, ts, 1e-6);
  EXPECT_NEAR(a->calculate_qparams().scale[0], seq->calculate_qparams().scale[0],
              seq->calculate_qparams().scale[0] * 0.02);
}

// A long, light tail (Laplace quantiles): the few values far out cost less error when clipped than
// the resolution a full-range scale wastes on the bulk, so percentile, entropy and mse narrow the
// range. PyTorch's L2 search stops at its first step that does not lower the error, which on this
// smooth tail is the first one: it keeps (at most) the min/max range, as PyTorch's does.
TEST(HistogramKinds, ClipLongTails) {
  const int64_t n = 100000;
  Tensor x(DType::kFloat32, {n});
  for (int64_t i = 0; i < n; ++i)
    x.data<float>()[i] = (i % 2 ? 1.0f : -1.0f) * -0.1f * std::log((i / 2 + 0.5f) / (n / 2));
  auto mm = make_observer("minmax", kU8);
  mm->observe(x);
  const float minmax_scale = mm->calculate_qparams().scale[0];
  auto h = make_observer("histogram", kU8);
  h->observe(x);
  EXPECT_LE(h->calculate_qparams().scale[0], minmax_scale * 1.0001f);
  for (const char* kind : {"percentile", "entropy", "mse"}) {
    auto o = make_observer(kind, kU8);
    o->observe(x);
    TensorQParams q = o->calculate_qparams();
    EXPECT_LT(q.scale[0], minmax_scale * 0.9) << kind << " scale " << q.scale[0];
    EXPECT_GT(q.scale[0], minmax_scale * 0.1) << kind << " scale " << q.scale[0];
  }
}

// ReLU6 outputs: half exact zeros, a spread, a spike at the saturation bound. The zero spike must not
// drive entropy to clip (it did before the first bin was flattened: MobileNetV2 fell to 26 %).
TEST(HistogramKinds, EntropyKeepsReluSixRange) {
  Tensor x(DType::kFloat32, {40000});
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = 3.0f * std::fabs(std::sin(0.013f * i)) + 1.5f * std::sin(0.7f * i);
    x.data<float>()[i] = i % 2 ? 0.0f : std::min(6.0f, std::max(0.0f, v));
  }
  auto o = make_observer("entropy", kU8);
  o->observe(x);
  EXPECT_GT(o->calculate_qparams().scale[0] * 255, 3.0f);
}

TEST(HistogramKinds, NonNegativeDataKeepsZeroPointAtZero) {
  Tensor x(DType::kFloat32, {5000});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::fabs(std::sin(0.13f * i)) * 3;
  for (const char* kind : {"histogram", "percentile", "entropy", "mse"}) {
    auto o = make_observer(kind, kU8);
    o->observe(x);
    EXPECT_EQ(o->calculate_qparams().zero_point[0], 0) << kind;
  }
}

TEST(HistogramKinds, OptionsAndEmptyObserversAreChecked) {
  ObserverOptions o;
  o.percentile = 20;
  EXPECT_THROW(make_observer("percentile", kU8, o), Error);
  o = {};
  o.bins = 3;
  EXPECT_THROW(make_observer("histogram", kU8, o), Error);
  EXPECT_THROW(make_observer("histogram", QScheme{DType::kUInt8, false, false, 0}), Error);
  auto empty = make_observer("entropy", kU8);
  EXPECT_THROW(empty->calculate_qparams(), Error);
  auto zeros = make_observer("histogram", kU8);
  zeros->observe(filled({3}, {0, 0, 0}));
  EXPECT_EQ(zeros->calculate_qparams().scale[0], 1.0f);
}

TEST(FixedQParams, SigmoidAndTanhRanges) {
  TensorQParams q;
  ASSERT_TRUE(fixed_qparams("Sigmoid", kU8, &q));
  EXPECT_EQ(q.scale[0], 1.0f / 256);  // PyTorch's default_fixed_qparams_range_0to1
  EXPECT_EQ(q.zero_point[0], 0);
  ASSERT_TRUE(fixed_qparams("Tanh", kU8, &q));
  EXPECT_EQ(q.scale[0], 2.0f / 256);  // ..._range_neg1to1
  EXPECT_EQ(q.zero_point[0], 128);
  ASSERT_TRUE(fixed_qparams("Sigmoid", QScheme{DType::kInt8, false, false, -1}, &q));
  EXPECT_EQ(q.zero_point[0], -128);
  EXPECT_FALSE(fixed_qparams("Relu", kU8, &q));
}

}  // namespace
}  // namespace octet::quant
