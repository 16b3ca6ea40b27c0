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

// `observers`: the calibrated observers by value (calibrate). octet::Error naming the value
// when an observer cannot give qparams.
Graph convert(const Graph& fused, const QuantPlan& plan,
              const std::map<std::string, std::unique_ptr<quant::Observer>>& observers, ConvertNotes* notes = nullptr);

}  // namespace octet
