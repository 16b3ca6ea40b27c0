// Runs one op kernel directly, without a Graph or Executor: the unit-test harness of src/ops/.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/registry.h"

namespace octet::testing {

// Builds a node of `op_type` with `attrs` and `inputs.size()` inputs named in0, in1, ... (an
// undefined Tensor marks an omitted optional input) and `n_outputs` outputs, creates its kernel
// (inputs whose index is in `constant_inputs` are offered as constants, for prepacking) and runs it.
std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           std::map<std::string, Attribute> attrs = {}, size_t n_outputs = 1, int opset = 17,
                           int threads = 1, std::vector<size_t> constant_inputs = {}, const std::string& domain = "");

// The message of the octet::Error that running the op throws, or "no error".
std::string op_error(const std::string& op_type, const std::vector<Tensor>& inputs,
                     std::map<std::string, Attribute> attrs = {}, int opset = 17);

Attribute attr_int(int64_t v);
Attribute attr_float(float v);
Attribute attr_string(const std::string& v);
Attribute attr_ints(std::vector<int64_t> v);
Attribute attr_floats(std::vector<float> v);
Attribute attr_tensor(Tensor t);

// Max |a - b| over elements; fails the test on shape or dtype mismatch.
double max_abs_diff(const Tensor& a, const Tensor& b);
// EXPECT that `got` equals `want` within `tol` (absolute), with a message naming the first bad index.
void expect_close(const Tensor& got, const Tensor& want, double tol);

}  // namespace octet::testing
