// INT8 GEMM (octet's dispatched path) beside octet's fp32 GEMM (oneDNN sgemm) on the issue's
// shapes. Counters: GOPS (2 ops per multiply-add) and pct_peak, the share of the peak this core
// measurably sustains for the path's multiply-add instructions (bench/peak_probe.h).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/qgemm.h"
#include "peak_probe.h"

namespace octet::kernels {
namespace {

// The best of a few short runs of `probe`: a shared (virtual) core runs slower whenever its
// neighbour is busy, and the peak is what it sustains when it is not.
double best_of(double (*probe)(int64_t), int runs) {
  double b = 0;
  for (int i = 0; i < runs; ++i) b = std::max(b, probe(4'000'000));
  return b;
}

// Peak multiply-adds per second of one core, measured right after each benchmark's timing (a
// VM's speed can drift over a run; a peak taken once at the start would not match later shapes):
// for the avx512bw and avx512vnni paths the sustained rate of their multiply-add instructions
// (vpmaddwd + vpaddd, vpdpbusd), for the others the clock times their nominal rate (avx2: 16/cycle,
// AVX-VNNI ymm: 2 x 32/cycle).
double int8_peak_macs_per_core() {
  const std::string isa = kernels().path;
  if (isa == "avx512bw") return best_of(madd_peak_gmacs__avx512bw, 3) * 1e9;
  if (isa == "avx512vnni") return best_of(dpbusd_peak_gmacs__avx512vnni, 3) * 1e9;
  double per_cycle = isa == "avxvnni" ? 64 : isa == "avx2" ? 16 : 1;
  return per_cycle * measure_clock_ghz() * 1e9;
}

void set_counters(benchmark::State& st, int64_t M, int64_t N, int64_t K, int threads, double peak_per_core) {
  double macs = double(M) * N * K;
  st.counters["GOPS"] = benchmark::Counter(2 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["pct_peak"] =
      benchmark::Counter(100 * macs / (peak_per_core * threads), benchmark::Counter::kIsIterationInvariantRate);
}

// What the GEMM writes: u8 (requantized), fp32 (dequantized with per-row activation scales, as
// dynamic per-token quantization runs it) or the int32 accumulators (MatMulInteger).
enum class Output { u8, f32, s32 };

// The GEMM through `kernel`, activations in 0..a_max.
void run_qgemm(benchmark::State& st, const QgemmKernel& kernel, uint8_t a_max, Output output = Output::u8) {
  int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  int threads = int(st.range(3));
  std::mt19937 rng(1);
  std::vector<uint8_t> a(M * K), y(M * N);
  std::vector<int8_t> w(K * N);
  for (auto& x : a) x = uint8_t(rng() % (a_max + 1u));
  for (auto& x : w) x = int8_t(rng());
  std::vector<int32_t> bias(N, 100);
  std::vector<float> mult(N, 1e-4f), bias_f(N, 0.5f), row_scale(M, 0.01f);
  std::vector<float> yf(output == Output::f32 ? M * N : 0);
  std::vector<int32_t> yi(output == Output::s32 ? M * N : 0);
  PackedWeightsS8 pw = pack_weights_s8(w.data(), K, N, N, 1, {}, kernel);
  ThreadPool pool(threads);
  Epilogue ep = output == Output::f32   ? Epilogue::dequantize(yf.data(), N, 1.0f, mult, bias_f, row_scale)
                : output == Output::s32 ? Epilogue::int32(yi.data(), N)
                                        : Epilogue::requantize_u8(y.data(), N, mult, 128, bias);
  for (auto _ : st) {
    qgemm_u8s8(a.data(), K, 128, pw, M, ep, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(yf.data());
    benchmark::DoNotOptimize(yi.data());
  }
  st.SetLabel(pw.kernel.name);
  set_counters(st, M, N, K, threads, int8_peak_macs_per_core());
}

void BM_qgemm_u8s8(benchmark::State& st) { run_qgemm(st, kernels().qgemm, 255); }
// The caller-chosen path for 7-bit activations (pct_peak still against the exact path's peak).
void BM_qgemm_u8s8_7bit(benchmark::State& st) { run_qgemm(st, kernels().qgemm_7bit, 127); }
void BM_qgemm_u8s8_dequant(benchmark::State& st) { run_qgemm(st, kernels().qgemm, 255, Output::f32); }
void BM_qgemm_u8s8_int32(benchmark::State& st) { run_qgemm(st, kernels().qgemm, 255, Output::s32); }

void BM_sgemm_f32(benchmark::State& st) {
  int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  int threads = int(st.range(3));
  omp_set_num_threads(threads);
  std::vector<float> a(M * K, 0.5f), w(K * N, 0.25f), y(M * N);
  for (auto _ : st) {
    dnnl_sgemm('N', 'N', M, N, K, 1.0f, a.data(), K, w.data(), N, 0.0f, y.data(), N);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetLabel("oneDNN dnnl_sgemm");
  // fp32 peak: 2 FMA ports x 16 lanes per cycle, at the clock measured now.
  set_counters(st, M, N, K, threads, 32 * measure_clock_ghz() * 1e9);
}

// The machine itself: clock and the sustained multiply-add rates of one core, per instruction.
void BM_machine_peak(benchmark::State& st) {
  double ghz = measure_clock_ghz();
  double madd = path_supported("avx512bw") ? best_of(madd_peak_gmacs__avx512bw, 7) : 0;
  double dpbusd = path_supported("avx512vnni") ? best_of(dpbusd_peak_gmacs__avx512vnni, 7) : 0;
  for (auto _ : st) benchmark::DoNotOptimize(ghz);
  st.counters["clock_GHz"] = ghz;
  st.counters["avx512bw_madd_GMACs"] = madd;
  st.counters["avx512bw_MAC_per_cycle"] = madd / ghz;
  st.counters["avx512vnni_dpbusd_GMACs"] = dpbusd;
  st.counters["avx512vnni_MAC_per_cycle"] = dpbusd / ghz;
}
BENCHMARK(BM_machine_peak)->Iterations(1);

// {M, N, K}: square sizes, transformer projections (M = tokens), convolutions as GEMM
// (M = output pixels, N = output channels, K = input channels x kernel area; ResNet-50 layers).
void shapes(benchmark::internal::Benchmark* b) {
  std::vector<std::vector<int64_t>> mnk;
  for (int64_t s : {256, 512, 1024, 2048}) mnk.push_back({s, s, s});
  for (int64_t m : {1, 8, 128})
    for (auto kn : std::vector<std::pair<int64_t, int64_t>>{{384, 384}, {384, 1536}, {1536, 384}, {768, 3072}})
      mnk.push_back({m, kn.second, kn.first});
  mnk.push_back({3136, 256, 64});   // conv2_x 1x1 expand, 56x56
  mnk.push_back({3136, 64, 576});   // conv2_x 3x3, 56x56
  mnk.push_back({784, 128, 1152});  // conv3_x 3x3, 28x28
  mnk.push_back({196, 1024, 256});  // conv4_x 1x1 expand, 14x14
  for (int threads : {1, 2})
    for (auto& s : mnk) b->Args({s[0], s[1], s[2], threads});
  b->ArgNames({"M", "N", "K", "threads"})->UseRealTime()->MinTime(0.2);
}

// The transformer projections alone (M = tokens: one, a few, a sequence of 128), for the
// dequantizing epilogue of dynamic quantization.
void transformer_shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (int64_t m : {1, 8, 128})
      for (auto kn : std::vector<std::pair<int64_t, int64_t>>{{384, 384}, {384, 1536}, {1536, 384}, {768, 3072}})
        b->Args({m, kn.second, kn.first, threads});
  b->ArgNames({"M", "N", "K", "threads"})->UseRealTime()->MinTime(0.2);
}

BENCHMARK(BM_qgemm_u8s8)->Apply(shapes);
BENCHMARK(BM_qgemm_u8s8_7bit)->Apply(shapes);
BENCHMARK(BM_qgemm_u8s8_dequant)->Apply(transformer_shapes);
BENCHMARK(BM_qgemm_u8s8_int32)->Apply(shapes);
BENCHMARK(BM_sgemm_f32)->Apply(shapes);

}  // namespace
}  // namespace octet::kernels
