// Shared by the pass tests: counting ops and comparing float outputs (with op_test_util.h's
// max_abs_diff).
#pragma once

#include <string>

#include "octet/graph.h"
#include "ops/op_test_util.h"  // max_abs_diff

namespace octet::testing {

int count_op(const Graph& g, const std::string& op_type);
double max_rel_diff(const Tensor& want, const Tensor& got);  // max |diff| / max |want|, float32

}  // namespace octet::testing
