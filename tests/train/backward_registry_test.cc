#include <algorithm>

#include <gtest/gtest.h>

#include "ops/registry.h"
#include "train/backward.h"

namespace octet::train {
namespace {

TEST(BackwardRegistry, FindsTheTrainableOps) {
  for (const char* op : {"Conv", "Gemm", "MatMul", "Relu", "Softmax", "Add", "MaxPool", "Reshape", "ReduceMean"})
    EXPECT_NE(find_backward(op), nullptr) << op;
}

TEST(BackwardRegistry, AnOpWithoutBackwardIsNull) {
  EXPECT_EQ(find_backward("Resize"), nullptr);
  EXPECT_EQ(find_backward("QuantizeLinear"), nullptr);
}

TEST(BackwardRegistry, TrainableOpTypesAreSortedAndFound) {
  const std::vector<std::string> ops = trainable_op_types();
  EXPECT_EQ(ops.size(), 59u);
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  for (const std::string& op : ops) {
    EXPECT_NE(find_backward(op), nullptr) << op;
    EXPECT_NE(OpRegistry::global().find(op), nullptr) << op << " has a backward but no forward";
  }
}

}  // namespace
}  // namespace octet::train
