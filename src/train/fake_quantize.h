// FakeQuantize (PyTorch's torch.ao.quantization.FakeQuantize; Jacob et al. 2018, "Quantization and
// Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference", section 3): the
// forward is QuantizeLinear then DequantizeLinear with the exported model's exact float semantics
// (kernels/qmath.h, docs/quantization.md eqs. (1)-(2)), so training sees the values the INT8 model
// computes with; the backward is the straight-through estimator (Bengio et al. 2013): the gradient
// passes unchanged where the code was not saturated and is 0 where the value was clipped.
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "octet/tensor.h"
#include "quant/observers/observer.h"

namespace octet::train {

struct FakeQuantized {
  Tensor y;                     // DQ(Q(x)), float32, x's shape
  std::vector<uint8_t> inside;  // per element: 1 where x / s + z rounded inside the code range
};

// x float32; qp per tensor (qp.axis -1) or one scale and zero point per index of qp.axis; codes of
// qp.dtype (int8 or uint8) saturate at that type's limits, as QuantizeLinear does.
// With a pool, the elements are split over its threads (the same result for any thread count).
FakeQuantized fake_quantize(const Tensor& x, const quant::TensorQParams& qp, ThreadPool* pool = nullptr);

// The straight-through estimator: dL/dx = dL/dy where inside, else 0.
Tensor straight_through(const Tensor& grad_y, const std::vector<uint8_t>& inside, ThreadPool* pool = nullptr);

// Learned qparams (LSQ, Esser et al. 2020, eq. (3); the zero point's as LSQ+, Bhalgat et al.
// 2020): dL/ds and dL/dz of y = s (clamp(rne(x / s) + z, qmin, qmax) - z) for one per-tensor
// `qp`, with the rounding passed straight through:
//   dy/ds = rne(x / s) - x / s inside the range, qmin - z below it, qmax - z above it;
//   dy/dz = 0 inside, -s outside.
// Plain sums over the elements: the caller applies LSQ's gradient scale.
struct QParamGradients {
  double scale = 0, zero_point = 0;
};
QParamGradients qparam_gradients(const Tensor& x, const quant::TensorQParams& qp, const Tensor& grad_y);

}  // namespace octet::train
