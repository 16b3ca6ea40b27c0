// INT8 GEMM, the API the lowering pass calls: Y = epilogue((A - a_zp) x (W - w_zp)), with A u8
// activations (M x K, row-major) and W s8 weights (K x N) packed once at load time.
// docs/kernels.md describes the layouts and the rounding; docs/quantization.md the math.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/aligned_buffer.h"
#include "kernels/qgemm_ukernel.h"

namespace octet::kernels {

// Weights in the layout of one GEMM path (the chosen one unless told otherwise), with the column
// sums the zero-point corrections need. Immutable once packed; share it between threads freely.
struct PackedWeightsS8 {
  int64_t K = 0, N = 0, kp = 0;     // kp: K rounded up to the kernel's k-group
  QgemmKernel kernel{};             // the path the layout is for
  AlignedBuffer panels;             // ceil(N / nr) panels, see qgemm_ukernel.h
  std::vector<int32_t> col_sum;     // sum_k W[k][n]
  std::vector<int32_t> zero_point;  // per column; empty when all are 0 (the symmetric default)
};

// True when every W[k][n] = w[k * stride_k + n * stride_n] is in -64..64: 7-bit weights (as
// `--reduce-weight-range` writes them), for which KernelTable::qgemm_7bit is exact.
bool weights_fit_7bit(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n);

// Packs W[k][n] = w[k * stride_k + n * stride_n] (so both K x N and N x K storage work) for the
// exact path of this CPU: kernels().qgemm_for(N, weights_fit_7bit(...)).
// w_zero_point: empty, one value, or N values. K is limited to 33025 so that no int32 accumulator
// can overflow (K * 255 * 255 < 2^31); a larger K throws octet::Error.
PackedWeightsS8 pack_weights_s8(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n,
                                std::span<const int8_t> w_zero_point = {});
// The same for a path the caller chooses. With `kernel` = kernels().qgemm_7bit and 8-bit weights
// the caller promises every activation A[m][k] is in 0..127 (e.g. PyTorch's reduce_range on x86):
// exact then and faster without VNNI, WRONG (saturated) otherwise; nothing checks.
// docs/kernels.md, "The 7-bit path".
PackedWeightsS8 pack_weights_s8(const int8_t* w, int64_t K, int64_t N, int64_t stride_k, int64_t stride_n,
                                std::span<const int8_t> w_zero_point, const QgemmKernel& kernel);

// What happens to each int32 accumulator. Build one with the factories below.
struct Epilogue {
  EpilogueParams::Kind kind = EpilogueParams::Kind::requant_u8;
  std::span<const int32_t> bias;     // requant: int32, scale a_scale * w_scale[n]; empty or N
  std::span<const float> scale;      // requant: multiplier a_scale * w_scale / y_scale;
                                     // dequant: w_scale. One value or N.
  float a_scale = 1.0f;              // dequant only
  std::span<const float> bias_f32;   // dequant only: empty or N
  std::span<const float> row_scale;  // dequant only: empty, or M (one per output row)
  int32_t zero_point = 0, qmin = 0, qmax = 255;
  void* out = nullptr;
  int64_t ldo = 0;  // elements between output rows
  // requant_u8 only: a residual connection added to each output code (kernels/qgemm_ukernel.h), or
  // none. The epilogue adds it while the code is still in a register: the Int8Add after a ResNet
  // block's last convolution, in the same operations as that op, without its pass over both tensors.
  std::optional<ResidualAdd> residual;

  // y = clamp(round_half_even((acc + bias) * multiplier) + y_zp, qmin, qmax) as u8 / s8.
  // ReLU is qmin = y_zp; ReLU6 also sets qmax = y_zp + round(6 / y_scale) (clipped to the type).
  static Epilogue requantize_u8(uint8_t* out, int64_t ldo, std::span<const float> multiplier, int32_t y_zp,
                                std::span<const int32_t> bias = {}, int32_t qmin = 0, int32_t qmax = 255);
  static Epilogue requantize_s8(int8_t* out, int64_t ldo, std::span<const float> multiplier, int32_t y_zp,
                                std::span<const int32_t> bias = {}, int32_t qmin = -128, int32_t qmax = 127);
  // y = fma(float(acc) * row_scale[m], a_scale * w_scale[n], bias[n]): dynamic quantization's f32
  // output; row_scale (empty: 1) carries per-token activation scales.
  static Epilogue dequantize(float* out, int64_t ldo, float a_scale, std::span<const float> w_scale,
                             std::span<const float> bias = {}, std::span<const float> row_scale = {});

  // y = acc as int32 (bias empty: ONNX MatMulInteger), the accumulator itself.
  static Epilogue int32(int32_t* out, int64_t ldo, std::span<const int32_t> bias = {});

  // The same epilogue restricted to columns [n0, n0 + n) of an N-column output (for grouped
  // convolution): per-column spans sliced, output pointer moved to column n0.
  Epilogue columns(int64_t N, int64_t n0, int64_t n) const;
};

// An Epilogue checked against N columns and expanded to per-column vectors (kernels read
// EpilogueParams). col_term starts as the int32 bias; the GEMM adds its zero-point terms to it.
struct ResolvedEpilogue {
  std::vector<int32_t> col_term;
  std::vector<float> scale;  // requant multiplier, or a_scale * w_scale for dequant (int32: none)
  const Epilogue* ep = nullptr;
  EpilogueParams params() const;  // points into this object: keep it alive while kernels run
};
// Throws octet::Error naming the operand whose size or range is wrong.
ResolvedEpilogue resolve_epilogue(const Epilogue& ep, int64_t N);

// Y[m][n] = epilogue(sum_k (A[m][k] - a_zp) * (W[k][n] - w_zp[n])) for m < M, n < N, with
// A[m][k] = a[m * lda + k]. Work is split over M and N; the result is the same for any number of
// threads and, bit for bit, for every ISA path.
void qgemm_u8s8(const uint8_t* a, int64_t lda, uint8_t a_zp, const PackedWeightsS8& w, int64_t M, const Epilogue& ep,
                ThreadPool& pool);

// The epilogue `ep` (bias, requantize or dequantize) applied to an M x N int32 matrix of exact sums
// (row stride N) the caller accumulated itself (a transposed convolution's col2im): the chosen
// path's vector epilogue, the same bytes as qgemm_u8s8 writes for the same sums. With `row_factor`
// (M values) and `col_factor` (N values) it applies acc[m][n] - row_factor[m] * col_factor[n]
// (int32, wrapping), the correction the GEMM makes for weight zero points, here free for others:
// an activation zero point per row times the weights' column sums (ops/dynamic_quant_rnn.cc).
void apply_epilogue(const int32_t* acc, int64_t M, int64_t N, const Epilogue& ep, ThreadPool& pool,
                    std::span<const int32_t> row_factor = {}, std::span<const int32_t> col_factor = {});

// Writes rows [m0, m1) of A straight in the packed layout of w.kernel (kernels/qgemm_ukernel.h:
// a_bytes per element, K padded with zeros to w.kp), row m at dst + (m - m0) * a_stride. Called
// by several threads at once for disjoint rows.
using PackARowsFn = std::function<void(int64_t m0, int64_t m1, uint8_t* dst, int64_t a_stride)>;
// The same GEMM with A produced block by block by `pack_rows` (an im2col, say) instead of copied
// from a matrix: no M x K intermediate, one pass over the data instead of two.
void qgemm_u8s8_packed_rows(const PackARowsFn& pack_rows, uint8_t a_zp, const PackedWeightsS8& w, int64_t M,
                            const Epilogue& ep, ThreadPool& pool);

}  // namespace octet::kernels
