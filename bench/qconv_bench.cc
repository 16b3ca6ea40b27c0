// INT8 convolutions through octet's kernels: k x k via im2col + GEMM and direct depthwise layers
// (MobileNet-style), and a residual Add after a 1x1 convolution, NHWC, batch 1. Counter GOPS counts 2 ops per
// multiply-add.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/qconv.h"
#include "kernels/qelementwise.h"

namespace octet::kernels {
namespace {

void BM_qconv_u8s8(benchmark::State& st) {
  Conv2dShape s;
  s.in_h = s.in_w = st.range(0), s.in_c = st.range(1), s.out_c = st.range(2);
  s.kernel_h = s.kernel_w = st.range(3), s.stride_h = s.stride_w = st.range(4);
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = st.range(3) / 2;
  s.groups = st.range(5);
  int threads = int(st.range(6));
  std::mt19937 rng(1);
  std::vector<uint8_t> x(s.in_h * s.in_w * s.in_c);
  std::vector<int8_t> w(s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w);
  for (auto& v : x) v = uint8_t(rng());
  for (auto& v : w) v = int8_t(rng());
  const int64_t M = s.out_h() * s.out_w();
  std::vector<uint8_t> y(M * s.out_c);
  std::vector<float> mult(s.out_c, 1e-3f);
  PackedConvWeights pw = pack_conv_weights_s8(w.data(), s);
  ThreadPool pool(threads);
  Epilogue ep = Epilogue::requantize_u8(y.data(), s.out_c, mult, 128);
  for (auto _ : st) {
    qconv2d_u8s8_nhwc(x.data(), 128, pw, ep, pool);
    benchmark::DoNotOptimize(y.data());
  }
  double macs = double(M) * s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w;
  st.counters["GOPS"] = benchmark::Counter(2 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// {H = W, C, OC, kernel, stride, groups}: ResNet-50 3x3 layers, then MobileNet-v2 depthwise ones.
void shapes(benchmark::internal::Benchmark* b) {
  const std::vector<std::vector<int64_t>> layers = {
      {56, 64, 64, 3, 1, 1},     {28, 128, 128, 3, 1, 1},   {14, 256, 256, 3, 1, 1},
      {112, 32, 32, 3, 1, 32},   {56, 144, 144, 3, 2, 144}, {28, 192, 192, 3, 1, 192},
      {14, 576, 576, 3, 1, 576}, {14, 672, 672, 5, 2, 672}, {7, 960, 960, 5, 1, 960},
  };
  for (int threads : {1, 2})
    for (auto l : layers) {
      l.push_back(threads);
      b->Args(l);
    }
  b->ArgNames({"HW", "C", "OC", "k", "stride", "groups", "threads"})->UseRealTime()->MinTime(0.2);
}

BENCHMARK(BM_qconv_u8s8)->Apply(shapes);

// A ResNet-50 bottleneck's last 1x1 convolution and its residual Add: `fused` 0 runs the
// convolution and then the Int8Add over both tensors (kernels/qelementwise.h), 1 the convolution
// with the Add in its epilogue (Epilogue::residual). The bytes are the same.
void BM_qconv_residual(benchmark::State& st) {
  Conv2dShape s;
  s.in_h = s.in_w = st.range(0), s.in_c = st.range(1), s.out_c = st.range(2);
  const bool fused = st.range(3) != 0;
  std::mt19937 rng(1);
  std::vector<uint8_t> x(s.in_h * s.in_w * s.in_c), shortcut(s.in_h * s.in_w * s.out_c);
  std::vector<int8_t> w(s.out_c * s.in_c);
  for (auto& v : x) v = uint8_t(rng());
  for (auto& v : shortcut) v = uint8_t(rng());
  for (auto& v : w) v = int8_t(rng());
  const int64_t M = s.in_h * s.in_w;
  std::vector<uint8_t> conv_out(M * s.out_c), y(M * s.out_c);
  std::vector<float> mult(s.out_c, 1e-3f);
  PackedConvWeights pw = pack_conv_weights_s8(w.data(), s);
  ThreadPool pool(int(st.range(4)));
  Epilogue ep = Epilogue::requantize_u8(fused ? y.data() : conv_out.data(), s.out_c, mult, 128);
  if (fused) ep.residual = ResidualAdd{shortcut.data(), s.out_c, 128, 120, 0.9f, 0.8f, 0, 0};
  for (auto _ : st) {
    qconv2d_u8s8_nhwc(x.data(), 0, pw, ep, pool);
    if (!fused) qadd_u8(conv_out.data(), 0.9f, 128, shortcut.data(), 0.8f, 120, M * s.out_c, 1.0f, 0, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  st.counters["GOPS"] =
      benchmark::Counter(2e-9 * double(M) * s.out_c * s.in_c, benchmark::Counter::kIsIterationInvariantRate);
}

// {H = W, C, OC, fused, threads}: the four stages of ResNet-50.
void residual_shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (std::vector<int64_t> l : {std::vector<int64_t>{56, 64, 256}, {28, 128, 512}, {14, 256, 1024}, {7, 512, 2048}})
      for (int fused : {0, 1}) b->Args({l[0], l[1], l[2], fused, threads});
  b->ArgNames({"HW", "C", "OC", "fused", "threads"})->UseRealTime()->MinTime(0.2);
}

BENCHMARK(BM_qconv_residual)->Apply(residual_shapes);

}  // namespace
}  // namespace octet::kernels
