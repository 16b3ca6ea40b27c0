#include "core/thread_pool.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <mutex>

#include "octet/error.h"

namespace octet {

ThreadPool::ThreadPool(int threads) : threads_(threads) {
  OCTET_CHECK(threads >= 1 && threads <= 1024, "thread count must be in 1..1024, got ", threads);
}

void ThreadPool::run(int64_t n_tasks, const std::function<void(int64_t)>& fn) const {
  if (n_tasks <= 0) return;
  if (threads_ == 1 || n_tasks == 1 || omp_in_parallel()) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(t);
    return;
  }
  std::mutex mu;
  std::exception_ptr error;
  const int team = int(std::min<int64_t>(threads_, n_tasks));
  // Dynamic: tasks are taken in turn, so a thread that starts late (or a slower core) takes fewer.
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int64_t t = 0; t < n_tasks; ++t) {
    try {
      fn(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const {
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
