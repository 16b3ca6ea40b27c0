#include "ops/dynamic_activation.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/qelementwise.h"
#include "kernels/vmath.h"

namespace octet {
namespace {

// Eq. (3)-(5) with 127 in place of 255: the codes stay in 0..127 (the 7-bit GEMM's contract).
QParams qparams_7bit(MinMax r) {
  if (r.min == r.max) return {1.0f, 0};
  const float s = (r.max - r.min) / 127.0f;
  return {s, static_cast<int32_t>(std::clamp(std::nearbyint(-r.min / s), 0.0f, 127.0f))};
}

}  // namespace

DynamicCodes quantize_activations_u8(const float* a, int64_t m, int64_t k, int64_t lda, bool seven_bit, uint8_t* codes,
                                     ThreadPool& pool) {
  if (lda == k) k *= m, m = 1;  // contiguous: one row, one range and one quantize call
  const auto& range = kernels::vmath().range;
  MinMax r;
  bool finite = true;
  for (int64_t i = 0; i < m; ++i) {
    float lo = 0, hi = 0;
    range(k, a + i * lda, &lo, &hi);
    if (std::isnan(lo)) {
      const float* row = a + i * lda;
      return {{}, i * k + (std::find_if(row, row + k, [](float v) { return std::isnan(v); }) - row)};
    }
    finite = finite && std::isfinite(lo) && std::isfinite(hi);
    r.min = std::min(r.min, lo);
    r.max = std::max(r.max, hi);
  }
  if (!finite) {  // the slow way, once: a range that skips +-Inf
    r = {};
    for (int64_t i = 0; i < m; ++i) {
      const MinMax ri = range_with_zero(a + i * lda, k);
      r.min = std::min(r.min, ri.min);
      r.max = std::max(r.max, ri.max);
    }
  }
  const QParams q = seven_bit ? qparams_7bit(r) : dynamic_qparams_u8(r);
  for (int64_t i = 0; i < m; ++i) {
    uint8_t* c = codes + i * k;
    kernels::quantize_f32_u8(a + i * lda, k, q.scale, static_cast<uint8_t>(q.zero_point), c, pool);
    if (seven_bit)  // rounding at the range's ends can give 128 in float: keep the contract exactly
      for (int64_t j = 0; j < k; ++j) c[j] = c[j] > 127 ? 127 : c[j];
  }
  return {q, -1};
}

int64_t quantize_rows_u8(const float* a, int64_t m, int64_t k, int64_t lda, uint8_t* codes, QParams* q,
                         ThreadPool& pool) {
  const auto& range = kernels::vmath().range;
  const auto quantize = kernels::kernels().quantize_u8;
  std::vector<uint8_t> has_nan(m, 0);
  pool.parallel_for(m, std::max<int64_t>(1, 4096 / std::max<int64_t>(k, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* row = a + i * lda;
      MinMax r;
      if (k > 0) {
        float lo = 0, hi = 0;
        range(k, row, &lo, &hi);
        if (std::isnan(lo)) {  // reported below, by the calling thread
          has_nan[i] = 1;
          continue;
        }
        r = std::isfinite(lo) && std::isfinite(hi) ? MinMax{std::min(lo, 0.0f), std::max(hi, 0.0f)}
                                                   : range_with_zero(row, k);
      }
      q[i] = dynamic_qparams_u8(r);
      quantize(k, row, q[i].scale, q[i].zero_point, codes + i * k);
    }
  });
  for (int64_t i = 0; i < m; ++i)
    if (has_nan[i]) {
      const float* row = a + i * lda;
      return i * k + (std::find_if(row, row + k, [](float v) { return std::isnan(v); }) - row);
    }
  return -1;
}

}  // namespace octet
