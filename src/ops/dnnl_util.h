// oneDNN plumbing shared by the heavy fp32 ops (Conv, ConvTranspose, Gemm, MatMul): one CPU
// engine, a stream per thread, the thread count, and a primitive wrapper that runs on octet's
// plain row-major tensors while the primitive itself may prefer blocked layouts.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <optional>
#include <vector>

#include "core/thread_pool.h"
#include "octet/tensor.h"

namespace octet::dnnl_util {

dnnl::engine& engine();
// A stream per calling thread: a dnnl::stream must not be used by two threads at once.
dnnl::stream& stream();
// oneDNN parallelizes with OpenMP: makes its next primitives on this thread use `threads` threads
// (the executor's --threads). Call it before creating a primitive, not only before running one:
// a primitive keeps the thread count it was created with (and idle OpenMP workers spin).
void set_threads(int threads);
// set_threads(threads) for the calling thread; while it lives and threads > 1, octet's pool
// workers block instead of polling for tasks (ThreadPool::Idle), so OpenMP's team gets the cores.
// Hold it across the primitive's creation and execution.
class OpenMpThreads {
 public:
  OpenMpThreads(ThreadPool& pool, int threads);

 private:
  std::optional<ThreadPool::Idle> idle_;
};

// The threads worth giving an op of `macs` multiply-adds, at most `pool_threads`. oneDNN's OpenMP
// regions end in a barrier, so one descheduled thread (another process on a small machine)
// stalls the whole op, and an op this small gains less from a second thread than the fork and
// join cost: one thread per 2M multiply-adds (tens of microseconds of work).
int threads_for(int64_t macs, int pool_threads);
// fn(begin, end) over [0, n) split on octet's pool, oneDNN single-threaded inside each task: for
// many small independent products (attention heads), where one OpenMP team per product costs more
// than the product, and the pool's own threads then need not share the cores with OpenMP's. The
// calling thread's oneDNN thread count is restored afterwards.
void parallel_single_threaded(ThreadPool& pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

dnnl::memory::dims to_dims(const Shape& shape);
// f32 descriptor of a row-major tensor of `dims`; with `strides` for a strided view.
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims);
dnnl::memory::desc strided_desc(const dnnl::memory::dims& dims, const dnnl::memory::dims& strides);

// A primitive with src, weights, optional bias and dst (convolution, deconvolution, matmul)
// whose src/weights/dst layouts the primitive chose (format_tag::any). execute() reorders from and
// to the plain layouts only where the chosen layout differs; constant weights are reordered once.
class WeightedPrimitive {
 public:
  WeightedPrimitive() = default;
  // `pd` is the primitive's descriptor; the *_plain descriptors say how octet's tensors are laid out.
  WeightedPrimitive(const dnnl::primitive_desc& pd, const dnnl::memory::desc& src_plain,
                    const dnnl::memory::desc& wei_plain, const dnnl::memory::desc& dst_plain)
      : prim_(pd),
        src_plain_(src_plain),
        wei_plain_(wei_plain),
        dst_plain_(dst_plain),
        src_want_(pd.src_desc(0)),
        wei_want_(pd.weights_desc(0)),
        dst_want_(pd.dst_desc(0)) {}

  // Reorders constant weights into the primitive's layout once; execute() then ignores `wei`.
  void pack_weights(const float* wei);
  // dst must hold dst_plain's size; bias (nullable) is a plain vector as the primitive expects.
  void execute(const float* src, const float* wei, const float* bias, const dnnl::memory::desc& bias_md, float* dst);

 private:
  // Memory in layout `want` holding the plain data at `data`: the buffer itself when the layouts
  // agree, else `tmp` (allocated on first use) after a reorder.
  dnnl::memory to_layout(const dnnl::memory::desc& plain, const float* data, const dnnl::memory::desc& want,
                         dnnl::memory& tmp);

  dnnl::primitive prim_;
  dnnl::memory::desc src_plain_, wei_plain_, dst_plain_, src_want_, wei_want_, dst_want_;
  dnnl::memory packed_wei_, src_tmp_, wei_tmp_, dst_tmp_;
};

}  // namespace octet::dnnl_util
