#include "pass_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace octet::testing {

int count_op(const Graph& g, const std::string& op_type) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op_type == op_type; }));
}

double max_rel_diff(const Tensor& want, const Tensor& got) {
  double m = 0;
  for (int64_t i = 0; i < want.numel(); ++i) m = std::max(m, double(std::fabs(want.data<float>()[i])));
  return max_abs_diff(want, got) / m;
}

}  // namespace octet::testing
