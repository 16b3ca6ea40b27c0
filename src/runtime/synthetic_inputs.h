// Inputs made up for a model: bench and inspect's shape probe run a model without data, and the
// opset upgrade checks a converted model against the original on them.
#pragma once

#include <map>
#include <string>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

// Binds every input's unknown dims: `dims` maps a symbol ("batch") to a size; a leading unknown dim
// takes `batch`; any other unknown dim is 1.
std::map<std::string, Shape> bind_input_shapes(const Graph& g, const std::map<std::string, int64_t>& dims,
                                               int64_t batch);

// Deterministic inputs of the bound shapes: floats uniform in [-1, 1), integers 0, bools false.
std::map<std::string, Tensor> synthesize_inputs(const Graph& g, const std::map<std::string, Shape>& shapes);

}  // namespace octet
