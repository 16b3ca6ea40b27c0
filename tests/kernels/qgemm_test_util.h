// Shared by the INT8 kernel tests: random data and the ISA paths to run.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/x86/dispatch.h"

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

// Every ISA name, for parameterised suites; the test skips those this CPU lacks.
inline std::vector<Isa> all_isas() { return {Isa::ref, Isa::avx2, Isa::avx512bw, Isa::avxvnni, Isa::avx512vnni}; }

inline std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return isa_name(info.param); }

#define OCTET_SKIP_UNLESS_SUPPORTED(isa)                                                      \
  if (!::octet::kernels::isa_supported(isa))                                                  \
    GTEST_SKIP() << "this CPU lacks " << ::octet::kernels::isa_name(isa)                      \
                 << ": path compiled but UNTESTED here"

}  // namespace octet::kernels::testing
