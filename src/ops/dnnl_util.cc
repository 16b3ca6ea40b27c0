#include "ops/dnnl_util.h"

#include <omp.h>

#include <algorithm>
#include <unordered_map>

namespace octet::dnnl_util {

using dnnl::memory;

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

void set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }

OpenMpThreads::OpenMpThreads(ThreadPool& pool, int threads) {
  set_threads(threads);
  if (threads > 1) idle_.emplace(pool);
}

int threads_for(int64_t macs, int pool_threads) {
  constexpr int64_t kMacsPerThread = int64_t{2} << 20;
  return static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, std::max(pool_threads, 1)));
}

void parallel_single_threaded(ThreadPool& pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  const int saved = omp_get_max_threads();
  pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    omp_set_num_threads(1);  // per thread (an OpenMP ICV); the pool's workers never need more
    fn(begin, end);
  });
  omp_set_num_threads(saved);
}

memory::dims to_dims(const Shape& shape) { return memory::dims(shape.begin(), shape.end()); }

memory::desc plain_desc(const memory::dims& dims) {
  memory::dims strides(dims.size());
  memory::dim s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = s;
    s *= dims[i];
  }
  return strided_desc(dims, strides);
}

memory::desc strided_desc(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory WeightedPrimitive::to_layout(const memory::desc& plain, const float* data, const memory::desc& want,
                                    memory& tmp) {
  memory user(plain, engine(), const_cast<float*>(data));
  if (want == plain) return user;
  if (!tmp) tmp = memory(want, engine());
  dnnl::reorder(user, tmp).execute(stream(), user, tmp);
  return tmp;
}

void WeightedPrimitive::pack_weights(const float* wei) {
  memory tmp;
  memory packed = to_layout(wei_plain_, wei, wei_want_, tmp);
  if (packed.get_data_handle() == wei) {  // same layout: keep a copy, the caller's buffer may go
    tmp = memory(wei_want_, engine());
    dnnl::reorder(packed, tmp).execute(stream(), packed, tmp);
  }
  stream().wait();
  packed_wei_ = tmp;
}

void WeightedPrimitive::execute(const float* src, const float* wei, const float* bias, const memory::desc& bias_md,
                                float* dst) {
  std::unordered_map<int, memory> args;
  args[DNNL_ARG_SRC] = to_layout(src_plain_, src, src_want_, src_tmp_);
  args[DNNL_ARG_WEIGHTS] = packed_wei_ ? packed_wei_ : to_layout(wei_plain_, wei, wei_want_, wei_tmp_);
  if (bias) args[DNNL_ARG_BIAS] = memory(bias_md, engine(), const_cast<float*>(bias));
  memory user_dst(dst_plain_, engine(), dst);
  const bool direct = dst_want_ == dst_plain_;
  if (!direct && !dst_tmp_) dst_tmp_ = memory(dst_want_, engine());
  args[DNNL_ARG_DST] = direct ? user_dst : dst_tmp_;
  prim_.execute(stream(), args);
  if (!direct) dnnl::reorder(dst_tmp_, user_dst).execute(stream(), dst_tmp_, user_dst);
  stream().wait();
}

}  // namespace octet::dnnl_util
