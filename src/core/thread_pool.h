// ThreadPool: runs a kernel's tasks on `threads` threads, the calling thread included.
// parallel_for splits [0, n) into contiguous chunks, so which thread computes an element never
// changes the value a kernel writes: results are identical for any thread count as long as tasks
// write disjoint data.
//
// The threads are OpenMP's, the same ones oneDNN's fp32 primitives run on. Two sets of workers
// on a small machine fight: one set spinning after its region steals the core the other needs,
// and workers that only block (a condition variable) pay a full wake-up, very slow on a VM whose
// idle vCPU the host has descheduled, on every op. One team, spinning briefly between regions
// (GOMP_SPINCOUNT, set by the CLI), keeps an inference's back-to-back ops on warm threads.
#pragma once

#include <cstdint>
#include <functional>

namespace octet {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads >= 1
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(task) for every task in [0, n_tasks), spread over the threads; returns when all are
  // done. An exception thrown by a task is rethrown here (the first one). Called from inside
  // another parallel region, the tasks run on the calling thread.
  void run(int64_t n_tasks, const std::function<void(int64_t task)>& fn);

  // Splits [0, n) into at most size() contiguous ranges of at least `grain` elements and runs
  // fn(begin, end) on each.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  int threads_;
};

}  // namespace octet
