// prepare: decides, for a (fused) float graph and a QConfigMapping, which nodes are quantized
// and which float values need activation observers -- PyTorch's prepare step, as data (no
// observer nodes are inserted: calibration observes values through Executor hooks).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "passes/written_out_norms.h"
#include "quant/qconfig.h"

namespace octet {

// A node, or a fused chain (Conv+Relu, Gemm+Relu, Add+Relu), quantized as one: no quantization
// between its members.
struct QuantUnit {
  std::vector<size_t> nodes;  // indices into graph.nodes, in order; nodes[0] is the head
  quant::QConfig qconfig;
  std::vector<std::string> act_inputs;  // float activation inputs of the head that get Q/DQ
  std::string output;                   // the value leaving the unit (quantized)
};

// How an activation value gets its qparams.
struct ActivationSpec {
  quant::QScheme scheme;
  std::string observer;  // observer kind; "fixed" for Sigmoid/Tanh outputs
  quant::ObserverOptions options;
  std::string fixed_op;  // op type whose fixed qparams apply (observer == "fixed")
  std::string shares;    // non-empty: takes the qparams of this value (MaxPool, Reshape, Concat ...)
};

struct QuantPlan {
  std::vector<QuantUnit> units;
  std::map<std::string, ActivationSpec> activations;  // every quantized float value
  std::map<std::string, std::string> float_reasons;   // node name -> why it stays float
  std::vector<NormKind> float_norms;                  // written-out normalizations kept in float whole, one per unit
  // The value whose observer decides `value`'s qparams (follows `shares` links).
  std::string qparams_root(const std::string& value) const;
};

QuantPlan prepare(const Graph& fused, const quant::QConfigMapping& mapping);

}  // namespace octet
