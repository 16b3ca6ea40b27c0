#include "debug/error_stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace octet {
namespace {

TEST(ErrorStats, SumsOverBatches) {
  ErrorStats s;
  const float ref1[] = {1, 2}, test1[] = {1, 2.5f}, ref2[] = {-2}, test2[] = {-1};
  s.add(ref1, test1, 2);
  s.add(ref2, test2, 1);
  const ErrorSummary e = s.summary();
  EXPECT_EQ(s.count(), 3);
  EXPECT_NEAR(e.sqnr_db, 10 * std::log10(9.0 / 1.25), 1e-9);
  EXPECT_NEAR(e.cosine, (1 + 5 + 2) / std::sqrt(9.0 * 8.25), 1e-9);
  EXPECT_DOUBLE_EQ(e.max_abs_err, 1.0);
}

TEST(ErrorStats, EdgeCases) {
  ErrorStats same, zeros, one_zero, nan;
  const float a[] = {1, -1}, z[] = {0, 0}, n[] = {NAN, 0};
  same.add(a, a, 2);
  zeros.add(z, z, 2);
  one_zero.add(a, z, 2);
  nan.add(a, n, 2);
  EXPECT_TRUE(std::isinf(same.summary().sqnr_db) && same.summary().sqnr_db > 0);
  EXPECT_DOUBLE_EQ(same.summary().cosine, 1.0);
  EXPECT_TRUE(std::isinf(zeros.summary().sqnr_db));
  EXPECT_DOUBLE_EQ(zeros.summary().cosine, 1.0);
  EXPECT_DOUBLE_EQ(one_zero.summary().sqnr_db, 0.0);
  EXPECT_DOUBLE_EQ(one_zero.summary().cosine, 0.0);
  EXPECT_TRUE(std::isnan(nan.summary().sqnr_db));
  EXPECT_TRUE(std::isnan(nan.summary().max_abs_err));
}

}  // namespace
}  // namespace octet
