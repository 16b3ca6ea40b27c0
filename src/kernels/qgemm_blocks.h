// How the GEMM driver (kernels/qgemm.cc) splits its output into tasks for the thread pool: blocks
// of `mb` MR-row tiles x `nb` NR-column panels, task t = (t / n_blocks, t % n_blocks). Each task
// packs its M-block of A once and runs it against its panels, so a split over N packs A again;
// a split over M alone leaves a thread idle when the blocks do not share out evenly.
// Which task computes an element never changes its value: any split gives the same bits.
#pragma once

#include <cstdint>

namespace octet::kernels {

struct GemmBlocks {
  int64_t mb = 1, nb = 1;  // tiles per M-block, panels per N-block
  int64_t m_blocks = 1, n_blocks = 1;
  int64_t tasks() const { return m_blocks * n_blocks; }
};

// What a split costs, in estimated cycles (only their ratios matter).
struct GemmCostModel {
  double row_panel = 0;  // one row of A against one panel: multiply-adds and epilogue
  double row_pack = 0;   // packing one row of A (a copy, or im2col)
  double task = 0;       // starting a task (pool hand-off, first touches of its panels)
};

// M rows in m_tiles tiles of mr, `panels` panels; M-blocks of at most `mb_max` tiles (the packed
// A a task keeps in L2). With one thread: the largest blocks, no N split. With more: the split
// with the shortest estimated makespan when tasks are taken in order by the first free thread
// (ThreadPool::run), among M-block counts from the fewest L2 allows to 2 per thread more, each
// unsplit or split over N into at most 4 tasks per thread in all; ties go to fewer tasks.
GemmBlocks plan_gemm_blocks(int64_t M, int64_t mr, int64_t panels, int64_t mb_max, int threads,
                            const GemmCostModel& cost);

}  // namespace octet::kernels
