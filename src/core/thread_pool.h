// ThreadPool: a fixed set of worker threads; the calling thread works too. parallel_for splits
// [0, n) into contiguous chunks, so which thread computes an element never changes the value a
// kernel writes: results are identical for any thread count as long as tasks write disjoint data.
// Idle workers spin briefly (kSpin, thread_pool.cc) before they block; the caller never waits
// for a worker that has not taken a task, so a worker slow to wake costs parallelism, not time
// (docs/kernels.md, "Threads").
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace octet {

// Items per parallel chunk so that each chunk touches at least 64 KiB: below that, handing a chunk
// to another thread costs more than it saves. For ThreadPool::parallel_for's `grain`.
inline int64_t grain_for_bytes(int64_t bytes_per_item) {
  constexpr int64_t kMinChunkBytes = int64_t{1} << 16;
  return bytes_per_item >= kMinChunkBytes ? 1 : kMinChunkBytes / std::max<int64_t>(1, bytes_per_item);
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads >= 1; threads - 1 workers are started
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(task) for every task in [0, n_tasks), spread over the threads; returns when all are
  // done. An exception thrown by a task is rethrown here (the first one).
  void run(int64_t n_tasks, const std::function<void(int64_t task)>& fn);

  // Splits [0, n) into at most size() contiguous ranges of at least `grain` elements and runs
  // fn(begin, end) on each.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

  // Adds kDelta to the pool's busy count for its lifetime (Busy and Idle below).
  template <int kDelta>
  class BusyScope {
   public:
    explicit BusyScope(ThreadPool& pool) : pool_(pool) { pool_.busy_.fetch_add(kDelta, std::memory_order_relaxed); }
    ~BusyScope() { pool_.busy_.fetch_sub(kDelta, std::memory_order_relaxed); }
    BusyScope(const BusyScope&) = delete;
    BusyScope& operator=(const BusyScope&) = delete;

   private:
    ThreadPool& pool_;
  };
  // While a Busy lives (an Executor::run), idle workers poll for the next task instead of blocking
  // after a few microseconds: on a VM a blocked thread's vCPU halts, and waking it again takes
  // hundreds of microseconds once the host stops polling for it, which an inference with hundreds
  // of short parallel ops pays over and over. Nests; the workers block again once the last ends.
  using Busy = BusyScope<1>;
  // Inside a Busy, lets idle workers block again for its lifetime: an OpenMP team (oneDNN) needs
  // the cores they would poll on.
  using Idle = BusyScope<-1>;

 private:
  void worker_loop();
  void drain();

  int threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t n_tasks_ = 0, next_ = 0;
  // Written under mu_; read without it by spinning threads. Each polled group on its own cache
  // line: a poll of a line the caller keeps writing (the mutex, the task counters) would make every
  // such write wait for the line to come back.
  alignas(64) std::atomic<int64_t> finished_{0};
  alignas(64) std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> busy_{0};
  char pad_[64 - sizeof(std::atomic<uint64_t>) - sizeof(std::atomic<bool>) - sizeof(std::atomic<int>)];
  std::exception_ptr error_;
};

}  // namespace octet
