#include "kernels/qgemm_blocks.h"

#include <algorithm>
#include <vector>

namespace octet::kernels {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct PlanKey {
  int64_t M, mr, panels, mb_max;
  int threads;
  double row_panel, row_pack, task;
  bool operator==(const PlanKey&) const = default;
};

// The makespan of the split's tasks taken in order, each by the thread that frees up first.
double makespan(const GemmBlocks& b, const PlanKey& k, std::vector<double>& free_at) {
  free_at.assign(k.threads, 0.0);
  for (int64_t i = 0; i < b.m_blocks; ++i) {
    const int64_t rows = std::min(k.M, (i + 1) * b.mb * k.mr) - i * b.mb * k.mr;
    for (int64_t j = 0; j < b.n_blocks; ++j) {
      const int64_t np = std::min(k.panels, (j + 1) * b.nb) - j * b.nb;
      auto first = std::min_element(free_at.begin(), free_at.end());
      *first += k.task + rows * (k.row_pack + np * k.row_panel);
    }
  }
  return *std::max_element(free_at.begin(), free_at.end());
}

GemmBlocks search(const PlanKey& k) {
  const int64_t m_tiles = ceil_div(k.M, k.mr), fewest = ceil_div(m_tiles, std::max<int64_t>(1, k.mb_max));
  auto split = [&](int64_t m_blocks, int64_t n_blocks) {
    GemmBlocks b;
    b.mb = ceil_div(m_tiles, m_blocks), b.nb = ceil_div(k.panels, n_blocks);
    b.m_blocks = ceil_div(m_tiles, b.mb), b.n_blocks = ceil_div(k.panels, b.nb);
    return b;
  };
  GemmBlocks best = split(fewest, 1);
  if (k.threads <= 1) return best;
  std::vector<double> free_at;
  double best_time = makespan(best, k, free_at);
  const int64_t most_tasks = 4 * k.threads;
  for (int64_t mbk = fewest; mbk <= std::min(m_tiles, fewest + 2 * k.threads); ++mbk)
    for (int64_t nbk = 1; nbk <= std::min(k.panels, most_tasks) && (nbk == 1 || mbk * nbk <= most_tasks); ++nbk) {
      const GemmBlocks b = split(mbk, nbk);
      const double t = makespan(b, k, free_at);
      if (t < best_time || (t == best_time && b.tasks() < best.tasks())) best = b, best_time = t;
    }
  return best;
}

}  // namespace

GemmBlocks plan_gemm_blocks(int64_t M, int64_t mr, int64_t panels, int64_t mb_max, int threads,
                            const GemmCostModel& cost) {
  // The search takes about half a microsecond, a tenth of a small parallel GEMM, and a model runs
  // the same few shapes over and over: each thread remembers its last plans (direct-mapped).
  struct Entry {
    PlanKey key{};
    GemmBlocks plan;
    bool used = false;
  };
  thread_local Entry cache[32];
  const PlanKey key{M, mr, panels, mb_max, threads, cost.row_panel, cost.row_pack, cost.task};
  Entry& e = cache[size_t(M * 31 + panels * 7 + mb_max * 3 + threads) % 32];
  if (!e.used || !(e.key == key)) e = {key, search(key), true};
  return e.plan;
}

}  // namespace octet::kernels
