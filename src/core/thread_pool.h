// ThreadPool: runs tasks on `size()` threads, the calling thread included. parallel_for splits
// [0, n) into contiguous chunks, so which thread computes an element never changes the value a
// kernel writes: results are identical for any thread count as long as tasks write disjoint data.
//
// The threads are OpenMP's, the same team oneDNN (octet's fp32 GEMMs and convolutions) runs on.
// A pool of octet's own competed with it: its idle workers either blocked (and on a VM took
// > 370 us to wake, longer than a small GEMM, so the caller ran every task alone) or spun (and
// then stole the cores from oneDNN's spinning OpenMP threads: MiniLM fp32 on 2 threads went from
// 11.9 to 27.5 ms). One team serves both, waking fast (docs/kernels.md, "Threads").
#pragma once

#include <cstdint>
#include <functional>

namespace octet {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads >= 1

  int size() const { return threads_; }

  // Runs fn(task) for every task in [0, n_tasks), spread over the threads; returns when all are
  // done. An exception thrown by a task is rethrown here (the first one). Called from inside
  // another parallel region, it runs the tasks on the calling thread.
  void run(int64_t n_tasks, const std::function<void(int64_t task)>& fn) const;

  // Splits [0, n) into at most size() contiguous ranges of at least `grain` elements and runs
  // fn(begin, end) on each.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn) const;

 private:
  int threads_;
};

}  // namespace octet
