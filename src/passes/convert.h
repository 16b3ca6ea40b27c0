// convert: a prepared, calibrated float graph -> the QDQ form (DESIGN.md "One quantized
// representation"): int8 weights and int32 biases behind DequantizeLinear, and a
// QuantizeLinear -> DequantizeLinear pair on every quantized activation value, so tensors stay
// quantized from unit to unit. Fused units get no pair between their members.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "passes/prepare.h"
#include "quant/observers/observer.h"

namespace octet {

struct ConvertNotes {
  std::vector<std::string> notes;  // e.g. per-channel weights downgraded below opset 13
};

// The qparams of quantized value `value` (a key of plan.activations): its qparams root's fixed
// ones or its observer's, per tensor. octet::Error naming the value when its observer is missing or
// has seen nothing finite.
quant::TensorQParams activation_qparams(const QuantPlan& plan, const std::string& value,
                                        const std::map<std::string, std::unique_ptr<quant::Observer>>& observers);

// The qparams convert gives the weight (input 1, a constant) of quantized unit `unit`'s head node
// `head` (Conv, ConvTranspose, Gemm, MatMul) of `g`: per channel when the unit's qconfig asks and
// `per_channel_ok` (opset >= 13), the scales raised where the float32 bias (input 2, one value per
// output channel; `bias` then points at it) would not fit at input scale `x_scale`.
struct UnitWeight {
  quant::TensorQParams qp;
  const Tensor* bias = nullptr;
};
UnitWeight unit_weight_qparams(const Graph& g, const Node& head, const QuantUnit& unit, float x_scale,
                               bool per_channel_ok);

// convert with every quantized value's qparams given (quantization-aware training's learned
// ones): `act` holds one per key of plan.activations.
Graph convert_with_qparams(const Graph& fused, const QuantPlan& plan,
                           const std::map<std::string, quant::TensorQParams>& act, ConvertNotes* notes = nullptr);

// `observers`: the calibrated observers by value (calibrate). octet::Error naming the value
// when an observer cannot give qparams.
Graph convert(const Graph& fused, const QuantPlan& plan,
              const std::map<std::string, std::unique_ptr<quant::Observer>>& observers, ConvertNotes* notes = nullptr);

}  // namespace octet
