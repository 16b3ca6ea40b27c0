#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "octet/error.h"

namespace octet {
namespace {

TEST(ThreadPool, RunsEveryTaskOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(1000);
    for (int rep = 0; rep < 20; ++rep) pool.run(1000, [&](int64_t t) { hits[t]++; });
    for (auto& h : hits) EXPECT_EQ(h.load(), 20);
  }
}

TEST(ThreadPool, ParallelForCoversRangeWithContiguousChunks) {
  ThreadPool pool(2);
  std::vector<int> v(1001, 0);
  pool.parallel_for(1001, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) v[i] += 1;
  });
  for (int x : v) EXPECT_EQ(x, 1);
  int calls = 0;
  pool.parallel_for(5, 100, [&](int64_t b, int64_t e) {
    ++calls;
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 5);
  });
  EXPECT_EQ(calls, 1);  // below the grain: one chunk
}

TEST(ThreadPool, RethrowsTaskErrors) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.run(8,
                        [](int64_t t) {
                          if (t == 5) fail("task 5 failed");
                        }),
               Error);
  std::atomic<int> n{0};
  pool.run(8, [&](int64_t) { n++; });  // usable after an error
  EXPECT_EQ(n.load(), 8);
}

TEST(ThreadPool, RejectsBadThreadCount) { EXPECT_THROW(ThreadPool(0), Error); }

}  // namespace
}  // namespace octet
