#include "debug/value_histograms.h"

#include <gtest/gtest.h>

#include <cmath>

#include "debug/debug_test_util.h"

namespace octet {
namespace {

TEST(Histogram, BinsAreExactOnTheirEdgesAndTheTopEdgeFallsInTheLastBin) {
  Histogram h(0, 1, 4);
  for (double v : {0.0, 0.1, 0.25, 0.5, 0.75, 0.99, 1.0}) h.add(v);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{2, 1, 1, 3}));
  for (double v : {-0.1, 1.5, double(INFINITY), -double(INFINITY), double(NAN)}) h.add(v);
  EXPECT_EQ(h.below, 2);
  EXPECT_EQ(h.above, 2);
  EXPECT_EQ(h.nan, 1);
  EXPECT_EQ(h.in_range(), 7);
  EXPECT_DOUBLE_EQ(h.bin_width(), 0.25);
}

TEST(Histogram, NegativeRangeAndOddBinCount) {
  Histogram h(-3, 3, 3);  // bins [-3, -1), [-1, 1), [1, 3]
  for (double v : {-3.0, -1.0001, -1.0, 0.0, 0.9999, 1.0, 3.0}) h.add(v);
  EXPECT_EQ(h.counts, (std::vector<int64_t>{2, 3, 2}));
}

TEST(Histogram, AnEmptyOrNonFiniteRangeBecomesUsable) {
  Histogram empty(2, 2, 8);
  EXPECT_EQ(empty.low, 2);
  EXPECT_EQ(empty.high, 3);
  empty.add(2);
  EXPECT_EQ(empty.counts[0], 1);
  Histogram bad(NAN, INFINITY, 0);
  EXPECT_EQ(bad.counts.size(), 1u);
  EXPECT_TRUE(bad.high > bad.low && std::isfinite(bad.high));
}

TEST(ValueHistograms, CountsEveryElementOfTheNamedValuesRunByRun) {
  const testing::QdqChain chain;  // y1 = 2x
  ValueHistograms hist({{"x", {0.0, 2.0}}, {"y1", {0.0, 4.0}}}, 4);
  Executor exec(chain.quantized);
  hist.attach(exec);
  for (float x : {0.0f, 0.5f, 1.0f, 1.5f}) exec.run({{"x", Tensor::from_vector<float>({1}, {x})}});
  EXPECT_EQ(hist.histograms().at("x").counts, (std::vector<int64_t>{1, 1, 1, 1}));   // a graph input too
  EXPECT_EQ(hist.histograms().at("y1").counts, (std::vector<int64_t>{1, 1, 1, 1}));  // 0, 1, 2, 3
  EXPECT_EQ(hist.histograms().count("y2"), 0u);
}

}  // namespace
}  // namespace octet
