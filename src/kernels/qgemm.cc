#include "kernels/qgemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/copy_elems.h"
#include "kernels/dispatch.h"
#include "kernels/qgemm_blocks.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

constexpr int64_t kMaxK = 33025;             // K * 255 * 255 < 2^31
constexpr int64_t kABlockBytes = 256 << 10;  // packed A rows one task keeps in L2
// Below this many multiply-adds one thread is faster than two (bench/qgemm_bench.cc, Zen 5 VM:
// 1 x 384 x 384 took 2.2 us on one thread and 2.5 us on two; 1 x 1536 x 384, 8.5 and 6.3 us).
constexpr double kMinParallelMacs = 1 << 19;

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Row m of A to the packed layout (zero-extended to u16 for the widening kernels), K padded.
void pack_a_row(const uint8_t* src, int64_t K, int64_t kp, int64_t a_bytes, uint8_t* dst) {
  if (a_bytes == 1) {
    copy_elems(dst, src, K);
    std::memset(dst + K, 0, kp - K);
    return;
  }
  auto* d = reinterpret_cast<uint16_t*>(dst);
  copy_elems(d, src, K);
  for (int64_t k = K; k < kp; ++k) d[k] = 0;
}

// This thread's packed-A block, grown to the largest block seen and then reused: the GEMM
// allocates (and page-faults) nothing per call in steady state.
uint8_t* a_block_buffer(int64_t bytes) {
  thread_local AlignedBuffer buf;
  if (buf.size() < bytes) buf = AlignedBuffer(bytes);
  return buf.data();
}

// Where a task gets rows of A in the packed layout (kernels/qgemm_ukernel.h): packed by `pack` into
// this thread's buffer, or read in place when the matrix already has that layout (`in_place`).
struct ARows {
  const PackARowsFn* pack = nullptr;
  const uint8_t* in_place = nullptr;
  int64_t stride = 0;  // bytes between rows: the packed stride, or A's own

  const uint8_t* get(int64_t m0, int64_t m1) const {
    if (in_place) return in_place + m0 * stride;
    uint8_t* dst = a_block_buffer((m1 - m0) * stride);
    (*pack)(m0, m1, dst, stride);
    return dst;
  }
};

void run_qgemm(const ARows& a_rows, uint8_t a_zp, const PackedWeightsS8& w, int64_t M, const Epilogue& ep,
               ThreadPool& pool);

// A per-column operand: N values, or also none (`may_be_empty`) or one for all (`may_be_one`).
void check_span(size_t size, int64_t N, const char* what, bool may_be_empty, bool may_be_one) {
  OCTET_CHECK((may_be_empty && size == 0) || (may_be_one && size == 1) || int64_t(size) == N, "qgemm: ", what, " has ",
              size, " values, expected ", may_be_empty ? "0 or " : "", may_be_one ? "1 or " : "", "N = ", N);
}

// Before any weight is read: the shape the packing accepts.
void check_weight_shape(int64_t K, int64_t N) {
  OCTET_CHECK(K >= 1 && N >= 1, "qgemm: weights must be at least 1 x 1, got K = ", K, ", N = ", N);
  OCTET_CHECK(K <= kMaxK, "qgemm: K = ", K, " exceeds ", kMaxK, ", where int32 accumulators could overflow");
}

}  // namespace

bool weights_fit_7bit(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      if (std::abs(w[k * stride_k + n * stride_n]) > 64) return false;
  return true;
}

PackedWeightsS8 pack_weights_s8(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n,
                                std::span<const int8_t> w_zero_point) {
  check_weight_shape(K, N);
  const bool fit = weights_fit_7bit(w, K, N, stride_k, stride_n);
  return pack_weights_s8(w, K, N, stride_k, stride_n, w_zero_point, kernels().qgemm_for(N, fit));
}

PackedWeightsS8 pack_weights_s8(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n,
                                std::span<const int8_t> w_zero_point, const QgemmKernel& kernel) {
  check_weight_shape(K, N);
  check_span(w_zero_point.size(), N, "the weight zero point", true, true);
  PackedWeightsS8 p;
  p.K = K, p.N = N, p.kp = round_up(K, kernel.kr), p.kernel = kernel;
  const int64_t nr = kernel.nr, kr = kernel.kr, panels = (N + nr - 1) / nr;
  p.panels = AlignedBuffer(panels * p.kp * nr * kernel.b_bytes);
  p.col_sum.assign(N, 0);
  for (int64_t panel = 0; panel < panels; ++panel) {
    uint8_t* dst = p.panels.data() + panel * p.kp * nr * kernel.b_bytes;
    for (int64_t g = 0; g < p.kp / kr; ++g)
      for (int64_t n = 0; n < nr; ++n)
        for (int64_t j = 0; j < kr; ++j) {
          int64_t k = g * kr + j, col = panel * nr + n, at = (g * nr + n) * kr + j;
          int8_t v = k < K && col < N ? w[k * stride_k + col * stride_n] : 0;
          if (kernel.b_bytes == 1) reinterpret_cast<int8_t*>(dst)[at] = v;
          else reinterpret_cast<int16_t*>(dst)[at] = v;
          if (k < K && col < N) p.col_sum[col] += v;
        }
  }
  bool any_zp = std::any_of(w_zero_point.begin(), w_zero_point.end(), [](int8_t z) { return z != 0; });
  if (any_zp)
    for (int64_t n = 0; n < N; ++n) p.zero_point.push_back(w_zero_point[w_zero_point.size() == 1 ? 0 : n]);
  return p;
}

Epilogue Epilogue::requantize_u8(uint8_t* out, int64_t ldo, std::span<const float> multiplier, int32_t y_zp,
                                 std::span<const int32_t> bias, int32_t qmin, int32_t qmax) {
  Epilogue e;
  e.kind = EpilogueParams::Kind::requant_u8;
  e.out = out, e.ldo = ldo, e.scale = multiplier, e.zero_point = y_zp, e.bias = bias, e.qmin = qmin, e.qmax = qmax;
  return e;
}

Epilogue Epilogue::requantize_s8(int8_t* out, int64_t ldo, std::span<const float> multiplier, int32_t y_zp,
                                 std::span<const int32_t> bias, int32_t qmin, int32_t qmax) {
  Epilogue e = requantize_u8(nullptr, ldo, multiplier, y_zp, bias, qmin, qmax);
  e.kind = EpilogueParams::Kind::requant_s8;
  e.out = out;
  return e;
}

Epilogue Epilogue::dequantize(float* out, int64_t ldo, float a_scale, std::span<const float> w_scale,
                              std::span<const float> bias, std::span<const float> row_scale) {
  Epilogue e;
  e.kind = EpilogueParams::Kind::dequant_f32;
  e.out = out, e.ldo = ldo, e.a_scale = a_scale, e.scale = w_scale, e.bias_f32 = bias, e.row_scale = row_scale;
  return e;
}

Epilogue Epilogue::int32(int32_t* out, int64_t ldo, std::span<const int32_t> bias) {
  Epilogue e;
  e.kind = EpilogueParams::Kind::int32;
  e.out = out, e.ldo = ldo, e.bias = bias;
  return e;
}

Epilogue Epilogue::columns(int64_t N, int64_t n0, int64_t n) const {
  resolve_epilogue(*this, N);  // validates the spans against N
  Epilogue e = *this;
  auto slice = [&](auto span) { return span.size() > 1 ? span.subspan(n0, n) : span; };
  e.bias = slice(bias), e.scale = slice(scale), e.bias_f32 = slice(bias_f32);
  if (e.residual) e.residual->shortcut += n0;
  size_t elem = kind == EpilogueParams::Kind::dequant_f32 || kind == EpilogueParams::Kind::int32 ? 4 : 1;
  e.out = static_cast<uint8_t*>(out) + n0 * elem;
  return e;
}

ResolvedEpilogue resolve_epilogue(const Epilogue& ep, int64_t N) {
  using Kind = EpilogueParams::Kind;
  OCTET_CHECK(ep.ldo >= N, "qgemm: output row stride ", ep.ldo, " < N = ", N);
  if (ep.kind == Kind::int32) OCTET_CHECK(ep.scale.empty(), "qgemm: an int32 output takes no scale");
  else
    check_span(ep.scale.size(), N, ep.kind == Kind::dequant_f32 ? "the weight scale" : "the multiplier", false, true);
  check_span(ep.bias.size(), N, "the int32 bias", true, false);
  check_span(ep.bias_f32.size(), N, "the float bias", true, false);
  OCTET_CHECK(ep.row_scale.empty() || ep.kind == Kind::dequant_f32, "qgemm: a row scale needs the dequantize epilogue");
  if (const std::optional<ResidualAdd>& res = ep.residual) {
    OCTET_CHECK(ep.kind == Kind::requant_u8, "qgemm: a residual needs the requantize-to-u8 epilogue");
    OCTET_CHECK(res->shortcut && res->ld >= N, "qgemm: residual without data or with row stride ", res->ld,
                " < N = ", N);
    for (float m : {res->out_m, res->shortcut_m})  // inf as Int8Add allows it: scale ratios may overflow
      OCTET_CHECK(m > 0, "qgemm: residual multiplier ", m, " is not > 0");
    for (int32_t code : {res->out_zp, res->shortcut_zp, res->y_zp, res->qmin})
      OCTET_CHECK(code >= 0 && code <= 255, "qgemm: residual zero point or qmin ", code, " is not a uint8 code");
  }
  if (ep.kind == Kind::requant_u8 || ep.kind == Kind::requant_s8) {
    int32_t lo = ep.kind == Kind::requant_u8 ? 0 : -128, hi = ep.kind == Kind::requant_u8 ? 255 : 127;
    OCTET_CHECK(lo <= ep.qmin && ep.qmin <= ep.qmax && ep.qmax <= hi && lo <= ep.zero_point && ep.zero_point <= hi,
                "qgemm: bad output range [", ep.qmin, ", ", ep.qmax, "] or zero point ", ep.zero_point);
  }
  ResolvedEpilogue r;
  r.ep = &ep;
  r.col_term.assign(N, 0);
  r.scale.resize(ep.scale.empty() ? 0 : N);
  for (int64_t n = 0; n < N; ++n) {
    if (!ep.bias.empty()) r.col_term[n] = ep.bias[n];
    if (ep.scale.empty()) continue;
    float s = ep.scale[ep.scale.size() == 1 ? 0 : n];
    r.scale[n] = ep.kind == Kind::dequant_f32 ? ep.a_scale * s : s;
  }
  return r;
}

EpilogueParams ResolvedEpilogue::params() const {
  EpilogueParams p;
  p.kind = ep->kind, p.col_term = col_term.data(), p.scale = scale.data();
  p.bias_f32 = ep->bias_f32.empty() ? nullptr : ep->bias_f32.data();
  p.row_scale = ep->row_scale.empty() ? nullptr : ep->row_scale.data();
  p.zero_point = ep->zero_point, p.qmin = ep->qmin, p.qmax = ep->qmax, p.out = ep->out, p.ldo = ep->ldo;
  p.residual = ep->residual ? &*ep->residual : nullptr;
  return p;
}

void apply_epilogue(const int32_t* acc, int64_t M, int64_t N, const Epilogue& ep, ThreadPool& pool,
                    std::span<const int32_t> row_factor, std::span<const int32_t> col_factor) {
  OCTET_CHECK(M >= 0 && N >= 0, "apply_epilogue: bad size ", M, " x ", N);
  OCTET_CHECK(row_factor.empty() == col_factor.empty() &&
                  (row_factor.empty() ||
                   (static_cast<int64_t>(row_factor.size()) == M && static_cast<int64_t>(col_factor.size()) == N)),
              "apply_epilogue: ", row_factor.size(), " row and ", col_factor.size(), " column factors for ", M, " x ",
              N);
  const ResolvedEpilogue r = resolve_epilogue(ep, N);
  EpilogueParams p = r.params();
  if (!row_factor.empty()) p.row_sum = row_factor.data(), p.b_zero_point = col_factor.data();
  const QgemmEpilogueFn epilogue = kernels().qgemm.epilogue;
  constexpr int64_t kRows = 16;
  pool.parallel_for((M + kRows - 1) / kRows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(N * kRows, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t blk = b; blk < e; ++blk) {
                        const int64_t m0 = blk * kRows, rows = std::min(kRows, M - m0);
                        epilogue(acc + m0 * N, N, rows, N, m0, 0, p);
                      }
                    });
}

void qgemm_u8s8(const uint8_t* a, int64_t lda, uint8_t a_zp, const PackedWeightsS8& w, int64_t M, const Epilogue& ep,
                ThreadPool& pool) {
  OCTET_CHECK(M >= 0 && lda >= w.K, "qgemm: bad A (M = ", M, ", lda = ", lda, ", K = ", w.K, ")");
  OCTET_CHECK(a || M == 0, "qgemm: null input");
  const int64_t K = w.K, kp = w.kp, a_bytes = w.kernel.a_bytes;
  // u8 rows whose K is a whole number of k-groups are already in the packed layout: no copy.
  if (a_bytes == 1 && K == kp) return run_qgemm(ARows{nullptr, a, lda}, a_zp, w, M, ep, pool);
  const PackARowsFn pack = [=](int64_t m0, int64_t m1, uint8_t* dst, int64_t a_stride) {
    for (int64_t m = m0; m < m1; ++m) pack_a_row(a + m * lda, K, kp, a_bytes, dst + (m - m0) * a_stride);
  };
  run_qgemm(ARows{&pack, nullptr, round_up(kp * a_bytes, 64)}, a_zp, w, M, ep, pool);
}

void qgemm_u8s8_packed_rows(const PackARowsFn& pack_rows, uint8_t a_zp, const PackedWeightsS8& w, int64_t M,
                            const Epilogue& ep, ThreadPool& pool) {
  run_qgemm(ARows{&pack_rows, nullptr, round_up(w.kp * w.kernel.a_bytes, 64)}, a_zp, w, M, ep, pool);
}

namespace {

void run_qgemm(const ARows& a_rows, uint8_t a_zp, const PackedWeightsS8& w, int64_t M, const Epilogue& ep,
               ThreadPool& pool) {
  const int64_t N = w.N, K = w.K, kp = w.kp;
  const QgemmKernel& kern = w.kernel;
  OCTET_CHECK(kern.ukernel, "qgemm: the weights are not packed");
  OCTET_CHECK(kern.mr * kern.nr <= 8 * 32, "qgemm: tile of ", kern.name, " exceeds the driver's buffer");
  OCTET_CHECK(M >= 0, "qgemm: bad M = ", M);
  ResolvedEpilogue r = resolve_epilogue(ep, N);
  OCTET_CHECK(ep.row_scale.empty() || int64_t(ep.row_scale.size()) == M, "qgemm: the row scale has ",
              ep.row_scale.size(), " values, expected 0 or M = ", M);
  if (M == 0) return;
  OCTET_CHECK(ep.out, "qgemm: null output");

  // The zero-point corrections join the bias in one int32 per column, so the inner loop is pure
  // dot products (docs/kernels.md, eq. (K1)). C++20 int64 -> int32 is modular, like the vector adds.
  for (int64_t n = 0; n < N; ++n) {
    int64_t zb = w.zero_point.empty() ? 0 : w.zero_point[n];
    r.col_term[n] = int32_t(r.col_term[n] - int64_t(a_zp) * w.col_sum[n] + K * a_zp * zb);
  }

  const int64_t a_stride = a_rows.stride;
  // Weights with zero points also need sum_k A[m][k]: one pass of its own over A (packed rows,
  // summed), only then (the symmetric default has none).
  std::vector<int32_t> row_sum(w.zero_point.empty() ? 0 : M);
  if (!row_sum.empty())
    pool.parallel_for(M, 64, [&](int64_t b, int64_t e) {
      const uint8_t* rows = a_rows.get(b, e);
      for (int64_t m = b; m < e; ++m) {
        const uint8_t* row = rows + (m - b) * a_stride;
        int32_t s = 0;
        for (int64_t k = 0; k < K; ++k) s += kern.a_bytes == 1 ? row[k] : reinterpret_cast<const uint16_t*>(row)[k];
        row_sum[m] = s;
      }
    });

  EpilogueParams p = r.params();
  p.b_zero_point = w.zero_point.empty() ? nullptr : w.zero_point.data();
  p.row_sum = row_sum.data();

  // Tasks are blocks of MR-row tiles x nr-column panels; each output element belongs to one task
  // and is computed the same way whatever the thread count.
  const int64_t mr = kern.mr, nr = kern.nr;
  const int64_t m_tiles = (M + mr - 1) / mr, panels = (N + nr - 1) / nr;
  const int threads = double(M) * N * K >= kMinParallelMacs ? pool.size() : 1;
  // Estimated cycles (Zen 5): kr-deep multiply-adds at 32 x kr per cycle, about 3 cycles per 16
  // outputs of epilogue, 16 bytes of A packed per cycle, and a task's hand-off.
  const GemmCostModel cost{double(kp) * nr / (32.0 * kern.kr) + 3.0 * nr / 16, double(kp) * kern.a_bytes / 16, 1000.0};
  const int64_t packed_stride = round_up(kp * kern.a_bytes, 64);  // L2 holds mb_max tiles of it, packed or not
  const GemmBlocks blocks =
      plan_gemm_blocks(M, mr, panels, std::max<int64_t>(1, kABlockBytes / (mr * packed_stride)), threads, cost);
  const int64_t mb = blocks.mb, nb = blocks.nb, n_blocks = blocks.n_blocks;
  const int64_t panel_bytes = kp * nr * kern.b_bytes;
  // Tiles go through the epilogue kTilesPerEpilogue at a time (consecutive tiles of one panel are
  // consecutive rows of `tiles`): the epilogue's per-call setup is paid once per 32 rows, not per 8.
  constexpr int64_t kTilesPerEpilogue = 4;
  // Full panels skip the int32 tile where the path can (qgemm_ukernel.h).
  const bool fused = kern.fused_ukernel && !p.b_zero_point;
  auto task_body = [&](int64_t task) {
    alignas(64) int32_t tiles[kTilesPerEpilogue * 8 * 32];  // MR x NR of the largest kernel, 4 times
    int64_t t0 = task / n_blocks * mb, p0 = task % n_blocks * nb;
    // The task packs its own M-block (L2-sized) and reuses it for all its panels. Tasks of one
    // M-block in different N-blocks each pack it: M x K work per N-block against M x K x nb x nr
    // multiply-adds, and no shared buffer to size, fill and synchronise on per call.
    const int64_t row0 = t0 * mr, row1 = std::min(M, (t0 + mb) * mr);
    const uint8_t* packed_a = a_rows.get(row0, row1);
    for (int64_t panel = p0; panel < std::min(panels, p0 + nb); ++panel) {
      const int64_t n0 = panel * nr, nc = std::min(nr, N - n0);
      const uint8_t* panel_b = w.panels.data() + panel * panel_bytes;
      const bool fused_panel = fused && nc == nr;
      for (int64_t t = t0; t < std::min(m_tiles, t0 + mb); t += kTilesPerEpilogue) {
        const int64_t t1 = std::min({m_tiles, t0 + mb, t + kTilesPerEpilogue});
        for (int64_t u = t; u < t1; ++u) {
          const int64_t m0 = u * mr, rows = std::min(mr, M - m0);
          const uint8_t* a = packed_a + (m0 - row0) * a_stride;
          if (fused_panel) kern.fused_ukernel(rows, kp, a, a_stride, panel_b, m0, n0, p);
          else kern.ukernel(rows, kp, a, a_stride, panel_b, tiles + (u - t) * mr * nr);
        }
        if (!fused_panel) kern.epilogue(tiles, nr, std::min(M, t1 * mr) - t * mr, nc, t * mr, n0, p);
      }
    }
  };
  if (threads == 1)
    for (int64_t task = 0; task < blocks.tasks(); ++task) task_body(task);
  else pool.run(blocks.tasks(), task_body);
}

}  // namespace
}  // namespace octet::kernels
