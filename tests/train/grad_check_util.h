// Finite-difference checks of the backward passes (src/train/backward_*.cc): the gradient an op's
// backward computes against central differences of its forward (the inference kernel).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet::testing {

// Uniform in [lo, hi), reproducible from `seed`.
Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

struct GradCheckOptions {
  float h = 1e-2f;     // central-difference step
  double rtol = 1e-2;  // |analytic - numeric| <= atol + rtol * |numeric|
  double atol = 2e-3;
  size_t n_outputs = 1;
};

// For L = sum over outputs k of sum(G_k * y_k), G_k random: EXPECTs that the backward of `op_type`
// (find_backward) gives dL/d input i close to the central difference (L(x + h) - L(x - h)) / 2h of
// every element, for each i in `check` (the backward is asked for those inputs only).
void check_gradients(const std::string& op_type, const std::vector<Tensor>& inputs,
                     const std::map<std::string, Attribute>& attrs, int opset, const std::vector<size_t>& check,
                     const GradCheckOptions& opts = {});

// The backward of `op_type` run on `inputs` with dL/dY = 1 (first output), wanting the gradient of
// the inputs in `want`; the message of the octet::Error it throws, or "no error".
std::string backward_error(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::map<std::string, Attribute>& attrs, int opset, const std::vector<size_t>& want);

}  // namespace octet::testing
