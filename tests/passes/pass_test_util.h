// Shared by the pass tests: counting ops and comparing float outputs (with op_test_util.h's
// max_abs_diff).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "ops/op_test_util.h"  // max_abs_diff

namespace octet::testing {

int count_op(const Graph& g, const std::string& op_type);
// The int8 initializers of a quantized graph (its weights): how many, and their largest |code|.
struct Int8Codes {
  int tensors = 0, max_abs = 0;
};
Int8Codes int8_codes(const Graph& g);
// The bias of quantized Conv/Gemm `n` in a QDQ graph: a float constant on the int32 grid of
// step x_scale * w_scale[c] (convert.cc); steps[c] read from its input's and weight's
// DequantizeLinear, one per bias channel.
struct GridBias {
  const Tensor* values = nullptr;
  std::vector<float> steps;
};
GridBias grid_bias(const Graph& q, const Node& n);
// A float32 graph input/output of `shape`.
ValueInfo f32_value(const std::string& name, const Shape& shape);
// Appends an ai.onnx node (opset 17) named out + "_node" with one output; returns it for attributes.
Node& add_node(Graph& g, const std::string& op_type, std::vector<std::string> inputs, const std::string& out);
double max_rel_diff(const Tensor& want, const Tensor& got);
// A float32 scalar (rank 0) constant; an int64 1-D one.
Tensor f32_scalar(float v);
Tensor i64_vector(const std::vector<int64_t>& v);
// A float32 tensor of `shape` holding sin(phase + 0.37 i) * (1 + i % 7): varied signs and
// magnitudes, the same every run.
Tensor sine_tensor(const Shape& shape, float phase);
// Runs both graphs on `feeds` with 1 and 2 threads; every float32 output must have the same shape
// and be bit for bit the same (max_rel = 0) or within max_rel_diff < max_rel (gtest failures otherwise).
void expect_same_outputs(const Graph& want, const Graph& got, const std::map<std::string, Tensor>& feeds,
                         double max_rel = 0.0);
// A model whose inputs have no batch axis (the Silero VAD shape): x [6, 1, 8], a sequence batched
// on axis 1, into an LSTM with state h0 [1, 1, 16]; then MatMul to y [1, 4] and Mul by the scalar
// input `rate`. Its DATA stacks whole inputs along axis 0 (octet/data_layout.h).
Graph lstm_with_state_and_scalar();

}  // namespace octet::testing
