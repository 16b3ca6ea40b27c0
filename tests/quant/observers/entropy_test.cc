// The entropy observer against NVIDIA's KL search on the same histograms
// (scripts/fixtures/entropy.py), its O(bins * levels) divergence against the definition, and the
// cases that made it collapse on real models: spikes, and a short side of zero.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <vector>

#include "observer_test_util.h"
#include "quant/observers/kl_threshold.h"

namespace octet::quant {
namespace {

using testing::filled;

const QScheme kU8{DType::kUInt8, false, false, -1};

// Each case: octet's histogram of a distribution and the range the reference search gives on it.
// Same histogram, same levels, same grouping of bins into levels and the same tie rule, so the
// chosen bin is the same; the only slack is float rounding of the range's ends in the scale
// (1e-6 relative) and hence of the zero point (1 code when the exact value lands on .5).
TEST(EntropyObserver, MatchesNvidiasSearchOnTheSameHistogram) {
  const auto all =
      nlohmann::json::parse(std::ifstream(std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/observers/entropy.json"));
  ASSERT_GE(all.at("cases").size(), 9u);
  for (const auto& c : all.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    auto o = load_observer(c.at("observer"));
    const float lo[1] = {c.at("range")[0].get<float>()}, hi[1] = {c.at("range")[1].get<float>()};
    const TensorQParams want = qparams_from_range(lo, hi, kU8), got = o->calculate_qparams();
    EXPECT_NEAR(got.scale[0], want.scale[0], want.scale[0] * 1e-6) << name;
    EXPECT_NEAR(got.zero_point[0], want.zero_point[0], 1) << name;
  }
}

// KL(P || Q) for i kept bins and L levels, as pytorch-quantization writes it: O(i) per candidate.
double direct_divergence(const std::vector<double>& h, int i, int levels) {
  std::vector<int> level(i);
  const double d = double(i) / levels;
  for (int j = 0; j < i; ++j) {
    int g = 0;
    while (g + 1 < levels && (g + 1) * d <= j) ++g;
    level[j] = g;
  }
  std::vector<double> mass(levels, 0.0), nonzero(levels, 0.0);
  for (int j = 0; j < i; ++j)
    if (h[j] != 0) {
      mass[level[j]] += h[j];
      nonzero[level[j]] += 1;
    }
  std::vector<double> p(h.begin(), h.begin() + i), q(i, 0.0);
  for (size_t j = i; j < h.size(); ++j) p[i - 1] += h[j];
  for (int j = 0; j < i; ++j)
    if (h[j] != 0) q[j] = mass[level[j]] / nonzero[level[j]];
  double sp = 0, sq = 0, kl = 0;
  for (int j = 0; j < i; ++j) {
    sp += p[j];
    sq += q[j];
  }
  for (int j = 0; j < i; ++j) {
    if (p[j] == 0) continue;
    if (q[j] == 0) return std::numeric_limits<double>::infinity();
    kl += p[j] / sp * std::log(p[j] / sp / (q[j] / sq));
  }
  return kl;
}

TEST(KlThreshold, PicksTheSmallestDivergenceOfTheDefinition) {
  std::mt19937 rng(5);
  std::gamma_distribution<double> tail(1.5, 40.0);
  for (int trial = 0; trial < 6; ++trial) {
    const int bins = 300 + 100 * trial, levels = trial % 2 ? 128 : 77;
    std::vector<double> h(bins, 0.0);
    for (int k = 0; k < 20000; ++k) h[std::min(bins - 1, static_cast<int>(tail(rng)))] += 1;
    int best = -1;
    double best_kl = std::numeric_limits<double>::infinity();
    for (int i = 128; i <= bins; ++i) {
      const double kl = direct_divergence(h, i, levels);
      if (kl <= best_kl * (1 + 1e-12)) {
        best_kl = std::min(kl, best_kl);
        best = i;
      }
    }
    const int got = kl_threshold_bins(h, levels);
    EXPECT_NEAR(direct_divergence(h, got, levels), best_kl, best_kl * 1e-9) << "trial " << trial;
    EXPECT_EQ(got, best) << "trial " << trial;
  }
}

// Standard normal samples: Box-Muller on mt19937, whose sequence the standard fixes.
std::vector<float> normal_samples(int n) {
  std::mt19937 rng(26);
  auto uniform = [&] { return (rng() + 0.5) / 4294967296.0; };
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = static_cast<float>(std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()));
  return v;
}

float range_max(const Observer& o) {
  const TensorQParams q = o.calculate_qparams();
  return (255 - q.zero_point[0]) * q.scale[0];
}

// A ReLU's output with a handful of values that a tenth of the samples each take exactly (a
// constant background through each channel's bias): the spikes must not pull the threshold
// below the smooth part's. Unflattened, they made it clip right above the highest spike.
TEST(EntropyObserver, SpikesDoNotPullTheThreshold) {
  std::vector<float> smooth;
  for (float v : normal_samples(60000)) smooth.push_back(std::max(0.0f, v));
  std::vector<float> spiky = smooth;
  for (int k = 0; k < 8; ++k) spiky.insert(spiky.end(), 6000, 0.1f + 0.07f * k);
  auto a = make_observer("entropy", kU8), b = make_observer("entropy", kU8);
  a->observe(Tensor::from_vector<float>({int64_t(smooth.size())}, smooth));
  b->observe(Tensor::from_vector<float>({int64_t(spiky.size())}, spiky));
  EXPECT_GT(range_max(*a), 3.0f);
  EXPECT_NEAR(range_max(*b), range_max(*a), range_max(*a) * 0.1);
}

// SiLU's output: a short negative side (down to -0.278) and a long positive one. The negative
// side spans fewer bins than the search's first candidate, so it is kept whole; folding it onto
// the positive side (|x|) instead put a cliff at 0.278 that made the divergence erratic.
TEST(EntropyObserver, KeepsAShortSideWhole) {
  std::vector<float> silu;
  for (float v : normal_samples(50000)) silu.push_back(2 * v / (1 + std::exp(-2 * v)));
  auto o = make_observer("entropy", kU8);
  o->observe(Tensor::from_vector<float>({int64_t(silu.size())}, silu));
  const TensorQParams q = o->calculate_qparams();
  EXPECT_NEAR(-q.zero_point[0] * q.scale[0], *std::min_element(silu.begin(), silu.end()), q.scale[0]);
  EXPECT_LT(range_max(*o), *std::max_element(silu.begin(), silu.end()));
}

}  // namespace
}  // namespace octet::quant
