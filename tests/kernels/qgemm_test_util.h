// Shared by the INT8 kernel tests: random data and the ISA paths to run.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.h"

namespace octet::kernels::testing {

template <class T>
std::vector<T> random_ints(std::mt19937& rng, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = T(d(rng));
  return v;
}

inline std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Every kernel path's name, for parameterised suites; the test skips those this CPU lacks.
inline std::vector<std::string> all_isas() {
  std::vector<std::string> names;
  for (const KernelPath& p : architecture_paths()) names.push_back(p.name);
  return names;
}

inline std::string isa_param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

#define OCTET_SKIP_UNLESS_SUPPORTED(isa)      \
  if (!::octet::kernels::path_supported(isa)) \
  GTEST_SKIP() << "this CPU lacks " << (isa) << ": path compiled but UNTESTED here"

}  // namespace octet::kernels::testing
