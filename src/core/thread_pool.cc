#include "core/thread_pool.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>

#include "octet/error.h"

namespace octet {
namespace {

// How long an idle thread polls before it blocks. Long enough for back-to-back tasks (a GEMM's
// next call, a model's next op: a blocked worker on a VM can take > 370 us to wake), short
// enough not to take a core from oneDNN's OpenMP threads when a oneDNN op comes next (MiniLM
// at 2 threads, interleaved runs: 30 us spin: int8 5.4-5.9 ms, fp32 11.8-14.3 ms; 2 ms spin:
// fp32 23-25 ms; no spin: int8 8.8-9.2 ms, fp32 10.9-13.4 ms).
constexpr auto kSpin = std::chrono::microseconds(30);

// Polls `ready` (cheap, lock-free) with pause until it holds or kSpin has passed.
template <class Ready>
void spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 1; !ready(); ++i) {
    _mm_pause();
    if (i % 256 == 0 && std::chrono::steady_clock::now() > deadline) return;
  }
}

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads) {
  OCTET_CHECK(threads >= 1 && threads <= 1024, "thread count must be in 1..1024, got ", threads);
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

// Takes tasks until none are left. Called with mu_ held; releases it while a task runs.
void ThreadPool::drain() {
  std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
  while (next_ < n_tasks_) {
    int64_t task = next_++;
    const auto* job = job_;
    lock.unlock();
    try {
      (*job)(task);
    } catch (...) {
      std::lock_guard<std::mutex> g(mu_);
      if (!error_) error_ = std::current_exception();
    }
    lock.lock();
    if (++finished_ == n_tasks_) done_.notify_all();
  }
  lock.release();
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    lock.unlock();
    spin_until([&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_relaxed) != seen; });
    lock.lock();
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.release();  // still locked: drain() expects the mutex held and leaves it held
    drain();
    lock = std::unique_lock<std::mutex>(mu_, std::adopt_lock);
  }
}

void ThreadPool::run(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  if (n_tasks <= 0) return;
  if (threads_ == 1 || n_tasks == 1) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(t);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  job_ = &fn;
  n_tasks_ = n_tasks;
  next_ = finished_ = 0;
  error_ = nullptr;
  ++generation_;
  wake_.notify_all();
  lock.release();
  drain();
  const int64_t n = n_tasks_;  // still under mu_ (drain returns holding it)
  mu_.unlock();
  spin_until([&] { return finished_.load(std::memory_order_relaxed) == n; });
  lock = std::unique_lock<std::mutex>(mu_);
  done_.wait(lock, [&] { return finished_ == n_tasks_; });
  job_ = nullptr;
  n_tasks_ = 0;
  std::exception_ptr err = error_;
  error_ = nullptr;
  lock.unlock();
  if (err) std::rethrow_exception(err);
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = std::min<int64_t>(threads_, (n + grain - 1) / grain);
  int64_t step = (n + chunks - 1) / chunks;
  run(chunks, [&](int64_t c) {
    int64_t b = c * step, e = std::min(n, b + step);
    if (b < e) fn(b, e);
  });
}

}  // namespace octet
