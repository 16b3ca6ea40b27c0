// Empty tensors whose other dims are huge: an op must not walk 2^40 empty rows, planes or
// products one by one (a hang, found by the onnx_run fuzzer for Pad, Transpose and Concat first,
// then looked for in every op that loops over the outer dims). Each case here ended in seconds
// only after its fix; the outputs keep the shape ONNX gives them.
#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

constexpr int64_t kHuge = int64_t{1} << 40;

Tensor empty(Shape shape) { return Tensor(DType::kFloat32, std::move(shape)); }
Tensor floats(Shape shape, std::vector<float> v) { return Tensor::from_vector<float>(std::move(shape), v); }
Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }

TEST(EmptyTensors, SoftmaxOverEmptyRowsOrColumns) {
  for (const char* op : {"Softmax", "LogSoftmax"}) {
    EXPECT_EQ(run_op(op, {empty({kHuge, 0})}, {{"axis", attr_int(-1)}})[0].shape(), (Shape{kHuge, 0})) << op;
    // Normalized down a column of none, beside 2^40 columns (their scratch was 2^41 floats).
    EXPECT_EQ(run_op(op, {empty({0, kHuge})}, {{"axis", attr_int(0)}})[0].shape(), (Shape{0, kHuge})) << op;
  }
}

TEST(EmptyTensors, NormalizationOfEmptyPlanes) {
  Tensor one = floats({1}, {1.f}), zero = floats({1}, {0.f});
  EXPECT_EQ(run_op("InstanceNormalization", {empty({kHuge, 1, 0}), one, zero})[0].shape(), (Shape{kHuge, 1, 0}));
  EXPECT_EQ(run_op("BatchNormalization", {empty({kHuge, 1, 0}), one, zero, zero, one})[0].shape(),
            (Shape{kHuge, 1, 0}));
}

TEST(EmptyTensors, PerAxisQuantizeAndDequantize) {
  Tensor scale = floats({2}, {0.5f, 0.25f}), zp = Tensor::from_vector<uint8_t>({2}, {1, 2});
  Tensor q = run_op("QuantizeLinear", {empty({kHuge, 2, 0}), scale, zp}, {{"axis", attr_int(1)}})[0];
  EXPECT_EQ(q.shape(), (Shape{kHuge, 2, 0}));
  EXPECT_EQ(run_op("DequantizeLinear", {q, scale, zp}, {{"axis", attr_int(1)}})[0].shape(), (Shape{kHuge, 2, 0}));
}

TEST(EmptyTensors, SplitAndGatherCopyNothing) {
  auto parts = run_op("Split", {empty({kHuge, 0})}, {{"axis", attr_int(1)}}, 2);
  EXPECT_EQ(parts[0].shape(), (Shape{kHuge, 0}));
  EXPECT_EQ(parts[1].shape(), (Shape{kHuge, 0}));
  EXPECT_EQ(run_op("Gather", {empty({kHuge, 3, 0}), ints({0, 2})}, {{"axis", attr_int(1)}})[0].shape(),
            (Shape{kHuge, 2, 0}));
}

TEST(EmptyTensors, MatMulOfEmptyBatchesAndEmptySums) {
  // 2^40 products of an empty result: none is planned.
  EXPECT_EQ(run_op("MatMul", {empty({kHuge, 0, 3}), floats({3, 2}, {1, 2, 3, 4, 5, 6})})[0].shape(),
            (Shape{kHuge, 0, 2}));
  EXPECT_EQ(run_op("MatMul", {empty({kHuge, 3, 0}), empty({0, 0})})[0].shape(), (Shape{kHuge, 3, 0}));
  // k = 0: the empty sum is 0 everywhere, computed operands or constant ones.
  for (std::vector<size_t> constant : {std::vector<size_t>{}, {1}}) {
    Tensor y = run_op("MatMul", {empty({2, 3, 0}), empty({0, 4})}, {}, 1, 17, 1, constant)[0];
    expect_close(y, Tensor(DType::kFloat32, {2, 3, 4}), 0);
  }
}

}  // namespace
}  // namespace octet::testing
