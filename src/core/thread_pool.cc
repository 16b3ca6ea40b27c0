#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>

#include "octet/error.h"

namespace octet {
namespace {

// How long an idle thread polls before it blocks outside a Busy (thread_pool.h): long enough for
// back-to-back tasks (a GEMM's next call), short enough not to take a core from oneDNN's OpenMP
// threads. Inside a Busy (an inference) workers poll until it ends, except under an Idle (a oneDNN
// op's OpenMP team). Measured in docs/kernels.md, "Threads".
constexpr auto kSpin = std::chrono::microseconds(30);

// Polls `ready` (cheap, lock-free) with pause while `busy()` holds, then for kSpin more; returns
// when `ready` holds or the time is up (the caller then blocks).
// The spin-wait hint (x86 pause, Arm yield): lets the sibling hyperthread run and saves power.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

template <class Ready, class Busy>
void spin_until(Ready ready, Busy busy) {
  auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 1; !ready(); ++i) {
    cpu_relax();
    if (i % 256 != 0) continue;
    const auto now = std::chrono::steady_clock::now();
    if (busy()) deadline = now + kSpin;
    else if (now > deadline) return;
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
    spin_until(
        [&] { return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_relaxed) != seen; },
        [&] { return busy_.load(std::memory_order_relaxed) > 0; });
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
  spin_until([&] { return finished_.load(std::memory_order_relaxed) == n; }, [] { return false; });
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
