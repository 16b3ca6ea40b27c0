// The quantized graph rewired so that each layer reads the float model's values instead of the
// quantized model's own: run it and every layer's output error is that layer's alone (the
// "isolated" mode of docs/debugging.md, PyTorch numeric suite's shadow mode).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "debug/layer_match.h"
#include "octet/graph.h"

namespace octet {

// Every read of a value in `float_values` (values the float model computes, in float32, under the
// same name) becomes a read of a new graph input; `feeds` receives value -> input name. A layer's
// own Q -> DQ pair keeps reading the layer's output (so `probe` still measures the layer) and a
// copy of the pair quantizes the fed float value for the readers downstream.
Graph isolate_layers(const Graph& quantized, const std::vector<MatchedLayer>& layers,
                     const std::set<std::string>& float_values, std::map<std::string, std::string>* feeds);

}  // namespace octet
