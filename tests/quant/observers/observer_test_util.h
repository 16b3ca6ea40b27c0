// Shared by the observer tests: the fixture data of scripts/fixtures/observers.py and PyTorch's
// qparams for it (tests/fixtures/observers/expected.json).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "octet/tensor.h"
#include "quant/observers/observer.h"

namespace octet::quant::testing {

Tensor fixture(const std::string& name);  // batch0, batch1, weight
const nlohmann::json& torch_expected(const std::string& key);
// EXPECT scale within `rel` (relative) and zero points within `zp_tol` of PyTorch's.
void expect_torch_qparams(const TensorQParams& got, const std::string& key, double rel, int zp_tol = 0);
Tensor filled(Shape shape, std::initializer_list<float> values);

}  // namespace octet::quant::testing
