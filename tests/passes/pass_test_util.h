// Shared by the pass tests: counting ops and comparing float outputs (with op_test_util.h's
// max_abs_diff).
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"
#include "ops/op_test_util.h"  // max_abs_diff

namespace octet::testing {

int count_op(const Graph& g, const std::string& op_type);
// A float32 graph input/output of `shape`.
ValueInfo f32_value(const std::string& name, const Shape& shape);
// Appends an ai.onnx node (opset 17) named out + "_node" with one output; returns it for attributes.
Node& add_node(Graph& g, const std::string& op_type, std::vector<std::string> inputs, const std::string& out);
double max_rel_diff(const Tensor& want, const Tensor& got);  // max |diff| / max |want|, float32

}  // namespace octet::testing
