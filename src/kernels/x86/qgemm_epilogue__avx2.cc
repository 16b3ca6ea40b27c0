// GEMM epilogue on ymm, 8 columns at a time (qgemm_avx2_epilogue.h); the column tail goes through
// the scalar reference, which performs the same float operations (so every element matches
// qgemm_epilogue__ref).
#include "kernels/ref/qgemm_ref.h"
#include "kernels/x86/qgemm_avx2_epilogue.h"
#include "kernels/x86/qgemm_kernels.h"

namespace octet::kernels {

void qgemm_epilogue__avx2(const int32_t* tile, int64_t tile_stride, int64_t mr, int64_t nc, int64_t m0, int64_t n0,
                          const EpilogueParams& params) {
  const avx2::Epilogue8 ep(params);
  for (int64_t i = 0; i < mr; ++i) {
    const int64_t m = m0 + i;
    const __m256i row_sum = ep.row_sum(m);
    const __m256 row_scale = ep.row_scale(m);
    int64_t j = 0;
    for (; j + 8 <= nc; j += 8)
      ep.put(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(tile + i * tile_stride + j)), m, n0 + j, row_sum,
             row_scale);
    for (; j < nc; ++j) qgemm_epilogue_one__ref(tile[i * tile_stride + j], m, n0 + j, params);
  }
}

}  // namespace octet::kernels
