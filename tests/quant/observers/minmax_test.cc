// MinMax, MovingAverageMinMax and their per-channel forms against PyTorch's observers on the same
// data (scripts/fixtures/observers.py), plus the edge cases the numerics rules name.
#include "quant/observers/minmax.h"

#include <cmath>

#include "observer_test_util.h"

namespace octet::quant {
namespace {

using testing::expect_torch_qparams;
using testing::filled;
using testing::fixture;

const QScheme kU8{DType::kUInt8, false, false, -1};
const QScheme kS8Sym{DType::kInt8, true, false, -1};

TensorQParams observe_all(const std::string& kind, QScheme s, std::initializer_list<Tensor> batches, float c = 0.01f) {
  ObserverOptions o;
  o.averaging_constant = c;
  auto obs = make_observer(kind, s, o);
  for (const Tensor& b : batches) obs->observe(b);
  return obs->calculate_qparams();
}

TEST(MinMaxObserver, MatchesPyTorch) {
  Tensor b0 = fixture("batch0"), b1 = fixture("batch1"), w = fixture("weight");
  expect_torch_qparams(observe_all("minmax", kU8, {b0, b1}), "minmax_u8", 1e-6);
  expect_torch_qparams(observe_all("minmax", {DType::kUInt8, false, true, -1}, {b0, b1}), "minmax_u8_reduce_range",
                       1e-6);
  expect_torch_qparams(observe_all("minmax", kS8Sym, {b0, b1}), "minmax_s8_symmetric", 1e-6);
  expect_torch_qparams(observe_all("minmax", {DType::kUInt8, true, false, -1}, {b0, b1}), "minmax_u8_symmetric", 1e-6);
  expect_torch_qparams(observe_all("moving_average", kU8, {b0, b1}), "moving_average_u8", 1e-5);
  expect_torch_qparams(observe_all("per_channel_minmax", {DType::kInt8, true, false, 0}, {w}),
                       "per_channel_s8_symmetric_axis0", 1e-6);
  expect_torch_qparams(observe_all("per_channel_minmax", {DType::kUInt8, false, false, 1}, {w}), "per_channel_u8_axis1",
                       1e-6);
  Tensor half = w.clone();
  for (int64_t i = 0; i < half.numel(); ++i) half.data<float>()[i] *= 0.5f;
  expect_torch_qparams(observe_all("moving_average_per_channel", {DType::kInt8, true, false, 0}, {w, half}, 0.5f),
                       "moving_average_per_channel_s8_axis0", 1e-6);
}

TEST(MinMaxObserver, RangeAlwaysContainsZeroAndScaleIsNeverZero) {
  auto pos = observe_all("minmax", kU8, {filled({3}, {2, 3, 4})});
  EXPECT_EQ(pos.zero_point[0], 0);  // [0, 4]: zero is representable
  EXPECT_FLOAT_EQ(pos.scale[0], 4.0f / 255);
  auto zeros = observe_all("minmax", kU8, {filled({4}, {0, 0, 0, 0})});
  EXPECT_EQ(zeros.scale[0], 1.0f);
  auto single = observe_all("minmax", kS8Sym, {filled({1}, {-3})});
  EXPECT_GT(single.scale[0], 0);
  EXPECT_TRUE(std::isfinite(single.scale[0]));
}

TEST(MinMaxObserver, NanAndInfAreCountedNotUsed) {
  auto obs = make_observer("minmax", kU8);
  obs->observe(filled({6}, {NAN, 1.0f, INFINITY, -2.0f, -INFINITY, NAN}));
  EXPECT_EQ(obs->stats().nan, 2);
  EXPECT_EQ(obs->stats().pos_inf, 1);
  EXPECT_EQ(obs->stats().neg_inf, 1);
  EXPECT_EQ(obs->stats().finite, 2);
  TensorQParams q = obs->calculate_qparams();
  EXPECT_FLOAT_EQ(q.scale[0], 3.0f / 255);
  auto none = make_observer("minmax", kU8);
  none->observe(filled({2}, {NAN, INFINITY}));
  try {
    none->calculate_qparams();
    ADD_FAILURE() << "qparams from no finite value";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("saw no finite value"), std::string::npos) << e.what();
  }
}

TEST(MinMaxObserver, MergeEqualsSequentialAndSaveLoadRoundTrips) {
  Tensor b0 = fixture("batch0"), b1 = fixture("batch1");
  for (QScheme s : {kU8, QScheme{DType::kInt8, true, false, 0}}) {
    const std::string kind = s.per_channel() ? "per_channel_minmax" : "minmax";
    Tensor a = s.per_channel() ? b0.reshaped({30, 100}) : b0, b = s.per_channel() ? b1.reshaped({30, 100}) : b1;
    auto seq = make_observer(kind, s), left = make_observer(kind, s), right = make_observer(kind, s);
    seq->observe(a);
    seq->observe(b);
    left->observe(a);
    right->observe(b);
    left->merge(*right);
    EXPECT_EQ(left->to_json(), seq->to_json());
    auto loaded = load_observer(nlohmann::json::parse(seq->to_json().dump()));
    EXPECT_EQ(loaded->to_json(), seq->to_json());
    loaded->observe(a);
    seq->observe(a);
    EXPECT_EQ(loaded->calculate_qparams().scale, seq->calculate_qparams().scale);
  }
  auto mm = make_observer("minmax", kU8);
  auto hist = make_observer("histogram", kU8);
  EXPECT_THROW(mm->merge(*hist), Error);
}

TEST(MinMaxObserver, BadArgumentsAreErrors) {
  EXPECT_THROW(make_observer("minmax", QScheme{DType::kUInt8, false, false, 0}), Error);  // per tensor kind
  auto pc = make_observer("per_channel_minmax", QScheme{DType::kInt8, true, false, 3});
  EXPECT_THROW(pc->observe(filled({2, 2}, {1, 2, 3, 4})), Error);  // ch_axis beyond the rank
  ObserverOptions o;
  o.averaging_constant = 0;
  EXPECT_THROW(make_observer("moving_average", kU8, o), Error);
  EXPECT_THROW(make_observer("nope", kU8), Error);
  EXPECT_THROW(load_observer(nlohmann::json{{"kind", "minmax"}}), Error);
}

}  // namespace
}  // namespace octet::quant
