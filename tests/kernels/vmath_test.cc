// kernels/vmath.h: every ISA's array math gives the reference's bits (same float operations, no
// FMA contraction) on random data, ties of the exp range reduction and the special values, and
// the reference stays within a few ulp of the C library.
#include "kernels/vmath.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "kernels/qgemm_test_util.h"

namespace octet::kernels {
namespace {

std::vector<float> inputs() {
  std::mt19937 rng(11);
  std::vector<float> x;
  for (float scale : {0.01f, 1.0f, 5.0f, 30.0f, 120.0f}) {
    std::normal_distribution<float> d(0.0f, scale);
    for (int i = 0; i < 333; ++i) x.push_back(d(rng));
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(), 88.7f, 89.0f, -103.9f, -104.0f,
                  0.625f, -0.625f, 4.0f, -4.0f, 1e-30f, std::numeric_limits<float>::denorm_min()})
    x.push_back(v);
  return x;  // 1680 values: not a multiple of any vector width
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class VmathIsa : public ::testing::TestWithParam<std::string> {};

TEST_P(VmathIsa, EveryFunctionMatchesTheReferenceBitForBit) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const VmathKernels& k = *kernels_for(GetParam()).vmath;
  const std::vector<float> x = inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  struct Fn {
    const char* name;
    VmathFn got, want;
  };
  for (const Fn& f :
       {Fn{"exp", k.exp, vmath__ref.exp}, Fn{"sigmoid", k.sigmoid, vmath__ref.sigmoid},
        Fn{"tanh", k.tanh, vmath__ref.tanh}, Fn{"erf", k.erf, vmath__ref.erf},
        Fn{"gelu_erf", k.gelu_erf, vmath__ref.gelu_erf}, Fn{"gelu_tanh", k.gelu_tanh, vmath__ref.gelu_tanh}}) {
    for (int64_t len : {int64_t{1}, int64_t{7}, int64_t{16}, int64_t{17}, n}) {
      std::vector<float> got(len), want(len);
      f.got(len, x.data(), got.data());
      f.want(len, x.data(), want.data());
      for (int64_t i = 0; i < len; ++i)
        ASSERT_TRUE(same_bits(got[i], want[i])) << f.name << "(" << x[i] << "): " << got[i] << " vs " << want[i];
    }
  }
  // Softmax rows: finite rows of several lengths (a NaN would make the whole row NaN).
  for (int64_t len : {1, 5, 16, 33, 128, 1000}) {
    std::vector<float> got(len), want(len);
    k.softmax(len, x.data(), got.data());
    vmath__ref.softmax(len, x.data(), want.data());
    for (int64_t i = 0; i < len; ++i)
      ASSERT_TRUE(same_bits(got[i], want[i])) << "softmax row of " << len << " at " << i;
  }
}

TEST_P(VmathIsa, RangeIsExactAndReportsNaN) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const VmathKernels& k = *kernels_for(GetParam()).vmath;
  std::vector<float> x = inputs();
  std::erase_if(x, [](float v) { return std::isnan(v); });
  for (int64_t len : {int64_t{1}, int64_t{7}, int64_t{16}, int64_t{17}, int64_t(x.size())}) {
    float lo = 0, hi = 0;
    k.range(len, x.data(), &lo, &hi);
    EXPECT_EQ(lo, *std::min_element(x.begin(), x.begin() + len)) << len;
    EXPECT_EQ(hi, *std::max_element(x.begin(), x.begin() + len)) << len;
    // A NaN anywhere, in the vector body, the tail or the first element, makes both NaN.
    for (int64_t at : {int64_t{0}, len / 2, len - 1}) {
      std::vector<float> y(x.begin(), x.begin() + len);
      y[at] = std::numeric_limits<float>::quiet_NaN();
      k.range(len, y.data(), &lo, &hi);
      EXPECT_TRUE(std::isnan(lo) && std::isnan(hi)) << "NaN at " << at << " of " << len;
    }
  }
}

TEST_P(VmathIsa, MomentsMatchTheReferenceAndTheDefinition) {
  OCTET_SKIP_UNLESS_SUPPORTED(GetParam());
  const VmathKernels& k = *kernels_for(GetParam()).vmath;
  std::vector<float> x = inputs();
  std::erase_if(x, [](float v) { return !std::isfinite(v); });
  for (int64_t len : {int64_t{1}, int64_t{7}, int64_t{8}, int64_t{9}, int64_t{384}, int64_t(x.size())}) {
    float mean = 0, inv = 0, want_mean = 0, want_inv = 0;
    k.moments(len, x.data(), 1e-5f, &mean, &inv);
    vmath__ref.moments(len, x.data(), 1e-5f, &want_mean, &want_inv);
    EXPECT_TRUE(same_bits(mean, want_mean) && same_bits(inv, want_inv)) << len;
    double m = 0, v = 0;
    for (int64_t i = 0; i < len; ++i) m += x[i];
    m /= double(len);
    for (int64_t i = 0; i < len; ++i) v += (x[i] - m) * (x[i] - m);
    EXPECT_NEAR(mean, m, 1e-6 * (1 + std::fabs(m))) << len;
    EXPECT_NEAR(inv, 1.0 / std::sqrt(v / double(len) + 1e-5), 1e-6 / std::sqrt(v / double(len) + 1e-5)) << len;
  }
}

INSTANTIATE_TEST_SUITE_P(Vmath, VmathIsa, ::testing::ValuesIn(testing::all_isas()), testing::isa_param_name);

TEST(Vmath, ReferenceFollowsTheCLibrary) {
  const std::vector<float> x = inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> y(n);
  auto check = [&](VmathFn fn, double (*lib)(double), const char* name) {
    fn(n, x.data(), y.data());
    for (int64_t i = 0; i < n; ++i) {
      const double want = static_cast<float>(lib(x[i]));  // overflow and underflow as in float
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(y[i])) << name << "(" << x[i] << ")";
      } else if (std::isinf(want) || want == 0) {
        EXPECT_EQ(y[i], float(want)) << name << "(" << x[i] << ")";
      } else {
        EXPECT_NEAR(y[i], want, 2e-6 * std::fabs(want) + 1e-7) << name << "(" << x[i] << ")";
      }
    }
  };
  check(vmath__ref.exp, [](double v) { return std::exp(v); }, "exp");
  check(vmath__ref.tanh, [](double v) { return std::tanh(v); }, "tanh");
  check(vmath__ref.erf, [](double v) { return std::erf(v); }, "erf");
  std::vector<float> row = {1.0f, 2.0f, 3.0f, -1000.0f};
  std::vector<float> p(4);
  vmath__ref.softmax(4, row.data(), p.data());
  const double z = std::exp(-2.0) + std::exp(-1.0) + 1.0;
  EXPECT_NEAR(p[0], std::exp(-2.0) / z, 1e-7);
  EXPECT_NEAR(p[2], 1.0 / z, 1e-7);
  EXPECT_EQ(p[3], 0.0f);
}

}  // namespace
}  // namespace octet::kernels
