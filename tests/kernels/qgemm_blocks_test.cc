// The GEMM's task split (kernels/qgemm_blocks.h): it covers the output once, keeps M-blocks within
// the L2 budget, and shares work evenly where the old "fewest M-blocks" rule left a thread idle.
#include "kernels/qgemm_blocks.h"

#include <gtest/gtest.h>

#include <random>

namespace octet::kernels {
namespace {

// A vpdpbusd 8 x 32 tile at K = kp, as kernels/qgemm.cc estimates it.
GemmCostModel cost_for(int64_t kp) { return {kp * 32.0 / 128 + 6, kp / 16.0, 1000}; }

int64_t tiles(int64_t M) { return (M + 7) / 8; }

TEST(GemmBlocks, OneThreadTakesTheLargestBlocksAndNoNSplit) {
  GemmBlocks b = plan_gemm_blocks(3136, 8, 2, 56, 1, cost_for(576));
  EXPECT_EQ(b.mb, 56);
  EXPECT_EQ(b.m_blocks, 7);
  EXPECT_EQ(b.n_blocks, 1);
}

TEST(GemmBlocks, EvensOutMBlocksOverTwoThreads) {
  // 98 tiles, 28 per block at most: 28 + 28 + 28 + 14 left one thread 56 tiles against 42.
  GemmBlocks b = plan_gemm_blocks(784, 8, 4, 28, 2, cost_for(1152));
  EXPECT_EQ(b.m_blocks, 4);
  EXPECT_EQ(b.mb, 25);
  EXPECT_EQ(b.n_blocks, 1);
  // 392 tiles, 56 per block at most: 7 blocks do not share out; 8 of 49 do, without packing A twice.
  b = plan_gemm_blocks(3136, 8, 2, 56, 2, cost_for(576));
  EXPECT_EQ(b.m_blocks, 8);
  EXPECT_EQ(b.n_blocks, 1);
}

TEST(GemmBlocks, SplitsOverNWhenMBlocksCannotBeEven) {
  // 25 tiles (the last of 4 rows): 13 + 12 tiles is 104 rows against 92; two halves of 32 panels are even.
  GemmBlocks b = plan_gemm_blocks(196, 8, 32, 128, 2, cost_for(256));
  EXPECT_EQ(b.m_blocks, 1);
  EXPECT_EQ(b.n_blocks, 2);
  // One tile (a GEMV): only N can be split.
  b = plan_gemm_blocks(1, 8, 12, 128, 2, cost_for(384));
  EXPECT_EQ(b.m_blocks, 1);
  EXPECT_GE(b.n_blocks, 2);
}

TEST(GemmBlocks, CoversTheOutputOnceWithinTheL2Budget) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const int64_t M = 1 + rng() % 5000, panels = 1 + rng() % 200, mb_max = 1 + rng() % 100, kp = 4 + rng() % 2048;
    const int threads = 1 + int(rng() % 4);
    const GemmBlocks b = plan_gemm_blocks(M, 8, panels, mb_max, threads, cost_for(kp));
    SCOPED_TRACE(testing::Message() << "M " << M << " panels " << panels << " mb_max " << mb_max << " threads "
                                    << threads);
    ASSERT_GE(b.mb, 1);
    ASSERT_LE(b.mb, mb_max);
    ASSERT_GE(b.nb, 1);
    // Blocks of mb tiles: the last one is not empty and reaches the last tile; the same for N.
    EXPECT_GE(b.m_blocks * b.mb, tiles(M));
    EXPECT_LT((b.m_blocks - 1) * b.mb, tiles(M));
    EXPECT_GE(b.n_blocks * b.nb, panels);
    EXPECT_LT((b.n_blocks - 1) * b.nb, panels);
    if (threads == 1) {
      EXPECT_EQ(b.n_blocks, 1);
    }
  }
}

}  // namespace
}  // namespace octet::kernels
