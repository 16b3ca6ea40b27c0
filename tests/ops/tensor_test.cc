// Data movement: Transpose, Concat, Split, Slice, Gather, Expand, Tile, Pad. Expectations are
// written out by hand or come from a naive index loop written independently of the kernels.
#include <limits>
#include <numeric>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor iota_f(Shape shape) {
  Tensor t(DType::kFloat32, shape);
  std::iota(t.data<float>(), t.data<float>() + t.numel(), 0.f);
  return t;
}
Tensor floats(Shape shape, std::vector<float> v) { return Tensor::from_vector<float>(std::move(shape), v); }
Tensor ints(std::vector<int64_t> v) { return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v); }
constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();

// Naive transpose of a rank-4 int16 tensor.
Tensor naive_transpose4(const Tensor& x, std::vector<int64_t> perm) {
  Shape s = x.shape(), o(4);
  for (int k = 0; k < 4; ++k) o[k] = s[perm[k]];
  Tensor y(x.dtype(), o);
  int64_t i[4];
  for (i[0] = 0; i[0] < s[0]; ++i[0])
    for (i[1] = 0; i[1] < s[1]; ++i[1])
      for (i[2] = 0; i[2] < s[2]; ++i[2])
        for (i[3] = 0; i[3] < s[3]; ++i[3]) {
          int64_t src = ((i[0] * s[1] + i[1]) * s[2] + i[2]) * s[3] + i[3];
          int64_t dst = ((i[perm[0]] * o[1] + i[perm[1]]) * o[2] + i[perm[2]]) * o[3] + i[perm[3]];
          y.data<int16_t>()[dst] = x.data<int16_t>()[src];
        }
  return y;
}

TEST(TensorOps, TransposeDefaultReversesDims) {
  auto y = run_op("Transpose", {iota_f({2, 3})})[0];
  expect_close(y, floats({3, 2}, {0, 3, 1, 4, 2, 5}), 0);
}

TEST(TensorOps, TransposeAllPathsMatchNaive) {
  // Attention permutation (memcpy rows), a last-axis move (blocked 2-D path), odd sizes, threads.
  for (auto shape : {Shape{2, 37, 3, 64}, Shape{3, 33, 2, 70}, Shape{1, 1, 129, 65}, Shape{2, 5, 1, 3}})
    for (auto perm : {std::vector<int64_t>{0, 2, 1, 3}, {0, 3, 1, 2}, {3, 2, 1, 0}, {0, 1, 3, 2}, {2, 0, 3, 1}})
      for (int threads : {1, 3}) {
        Tensor x(DType::kInt16, shape);
        for (int64_t i = 0; i < x.numel(); ++i) x.data<int16_t>()[i] = static_cast<int16_t>(i * 7 + 1);
        auto y = run_op("Transpose", {x}, {{"perm", attr_ints(perm)}}, 1, 13, threads)[0];
        expect_close(y, naive_transpose4(x, perm), 0);
      }
}

TEST(TensorOps, BigCopiesAreIdenticalOnTwoThreads) {
  // Large enough (> 64 KiB) that every op splits its work over the pool.
  Tensor x = iota_f({2, 96, 12, 64});
  Tensor idx = ints({5, 0, 95, 3});
  auto both = [&](const std::string& op, std::vector<Tensor> in, std::map<std::string, Attribute> attrs) {
    Tensor one = run_op(op, in, attrs, 1, 18, 1)[0], two = run_op(op, in, attrs, 1, 18, 2)[0];
    expect_close(two, one, 0);
  };
  both("Transpose", {x}, {{"perm", attr_ints({0, 2, 1, 3})}});
  both("Transpose", {x}, {{"perm", attr_ints({0, 1, 3, 2})}});
  both("Concat", {x, x}, {{"axis", attr_int(2)}});
  both("Slice", {x, ints({1}), ints({-1}), ints({3})}, {});
  both("Gather", {x, idx}, {{"axis", attr_int(1)}});
  both("Expand", {x, ints({2, 1, 1, 1, 1})}, {});
  both("Tile", {x, ints({1, 1, 2, 1})}, {});
  both("Pad", {x, ints({0, 1, 0, 2, 0, 1, 0, 2})}, {{"mode", attr_string("reflect")}});
  auto t = run_op("Transpose", {x}, {{"perm", attr_ints({0, 2, 1, 3})}}, 1, 13, 2)[0];
  EXPECT_EQ(t.data<float>()[((1 * 12 + 5) * 96 + 7) * 64 + 9], x.data<float>()[((1 * 96 + 7) * 12 + 5) * 64 + 9]);
}

TEST(TensorOps, TransposeRejectsBadPerm) {
  EXPECT_THROW(run_op("Transpose", {iota_f({2, 3})}, {{"perm", attr_ints({0, 0})}}), Error);
  EXPECT_THROW(run_op("Transpose", {iota_f({2, 3})}, {{"perm", attr_ints({0})}}), Error);
}

TEST(TensorOps, ConcatAlongAnyAxis) {
  auto y =
      run_op("Concat", {iota_f({2, 1}), iota_f({2, 3}), Tensor(DType::kFloat32, {2, 0})}, {{"axis", attr_int(-1)}});
  expect_close(y[0], floats({2, 4}, {0, 0, 1, 2, 1, 3, 4, 5}), 0);
  auto z = run_op("Concat", {ints({1}), ints({2, 3})}, {{"axis", attr_int(0)}});
  expect_close(z[0], ints({1, 2, 3}), 0);
  // Empty rows are not walked one by one: 2^48 of them (the onnx_run fuzzer's find) end at once.
  const int64_t huge = int64_t{1} << 48;
  auto e = run_op("Concat", {Tensor(DType::kFloat32, {huge, 0}), Tensor(DType::kFloat32, {huge, 0})},
                  {{"axis", attr_int(1)}});
  EXPECT_EQ(e[0].shape(), (Shape{huge, 0}));
  EXPECT_THROW(run_op("Concat", {iota_f({2, 1}), iota_f({3, 1})}, {{"axis", attr_int(1)}}), Error);
  EXPECT_THROW(run_op("Concat", {iota_f({2, 1}), ints({1})}, {{"axis", attr_int(0)}}), Error);
}

TEST(TensorOps, SplitSizesByOpset) {
  Tensor x = iota_f({2, 6});
  auto a = run_op("Split", {x}, {{"axis", attr_int(1)}, {"split", attr_ints({2, 4})}}, 2, 11);
  expect_close(a[0], floats({2, 2}, {0, 1, 6, 7}), 0);
  expect_close(a[1], floats({2, 4}, {2, 3, 4, 5, 8, 9, 10, 11}), 0);
  auto b = run_op("Split", {x, ints({5, 1})}, {{"axis", attr_int(-1)}}, 2, 13);
  expect_close(b[1], floats({2, 1}, {5, 11}), 0);
  auto c = run_op("Split", {x}, {{"axis", attr_int(1)}}, 3, 13);
  expect_close(c[2], floats({2, 2}, {4, 5, 10, 11}), 0);
  EXPECT_THROW(run_op("Split", {x, ints({2, 2})}, {{"axis", attr_int(1)}}, 2, 13), Error);
}

TEST(TensorOps, SplitNumOutputsUnevenLastChunk) {
  auto y = run_op("Split", {iota_f({7})}, {{"num_outputs", attr_int(3)}}, 3, 18);
  EXPECT_EQ(y[0].shape(), Shape{3});
  EXPECT_EQ(y[1].shape(), Shape{3});
  expect_close(y[2], floats({1}, {6}), 0);
  EXPECT_THROW(run_op("Split", {iota_f({7})}, {{"num_outputs", attr_int(2)}}, 3, 18), Error);
}

TEST(TensorOps, SliceClampsAndSteps) {
  Tensor x = iota_f({3, 4});
  // Negative start, end past the dim.
  expect_close(run_op("Slice", {x, ints({-2}), ints({kMax}), ints({1})})[0], floats({3, 2}, {2, 3, 6, 7, 10, 11}), 0);
  // Axes omitted: starts/ends apply to the first dims.
  expect_close(run_op("Slice", {x, ints({1, 1}), ints({2, 3})})[0], floats({1, 2}, {5, 6}), 0);
  // Negative steps: reverse everything with ends = INT64_MIN.
  expect_close(run_op("Slice", {x, ints({kMax, -1}), ints({kMin, kMin}), ints({0, 1}), ints({-1, -2})})[0],
               floats({3, 2}, {11, 9, 7, 5, 3, 1}), 0);
  // Step 2 with a start beyond the end of a negative step clamps to the last element.
  expect_close(run_op("Slice", {x, ints({10}), ints({0}), ints({1}), ints({-2})})[0],
               floats({3, 2}, {3, 1, 7, 5, 11, 9}), 0);
  // Empty results.
  EXPECT_EQ(run_op("Slice", {x, ints({3}), ints({1}), ints({1})})[0].shape(), (Shape{3, 0}));
  EXPECT_EQ(run_op("Slice", {x, ints({-100}), ints({-50}), ints({0})})[0].shape(), (Shape{0, 4}));
  EXPECT_THROW(run_op("Slice", {x, ints({0}), ints({1}), ints({0}), ints({0})}), Error);
  EXPECT_THROW(run_op("Slice", {x, ints({0, 0}), ints({1, 1}), ints({1, -1})}), Error);
}

TEST(TensorOps, SliceAttributesBeforeOpset10) {
  auto y = run_op("Slice", {iota_f({3, 4})},
                  {{"starts", attr_ints({1})}, {"ends", attr_ints({-1})}, {"axes", attr_ints({1})}}, 1, 1);
  expect_close(y[0], floats({3, 2}, {1, 2, 5, 6, 9, 10}), 0);
}

TEST(TensorOps, GatherAnyAxisNegativeIndices) {
  Tensor x = iota_f({3, 4});
  expect_close(run_op("Gather", {x, ints({-1, 0})})[0], floats({2, 4}, {8, 9, 10, 11, 0, 1, 2, 3}), 0);
  Tensor idx = Tensor::from_vector<int32_t>({2, 2}, {3, 0, -3, 3});
  auto y = run_op("Gather", {x, idx}, {{"axis", attr_int(1)}})[0];
  EXPECT_EQ(y.shape(), (Shape{3, 2, 2}));
  expect_close(y.reshaped({12}), floats({12}, {3, 0, 1, 3, 7, 4, 5, 7, 11, 8, 9, 11}), 0);
  expect_close(run_op("Gather", {x, Tensor::scalar<int64_t>(1)})[0], floats({4}, {4, 5, 6, 7}), 0);
  try {
    run_op("Gather", {x, ints({3})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Gather_under_test"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("index 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_op("Gather", {x, ints({-4})}), Error);
}

TEST(TensorOps, ExpandBroadcastsBothWays) {
  Tensor x = floats({3, 1}, {1, 2, 3});
  auto y = run_op("Expand", {x, ints({2, 1, 2})})[0];
  expect_close(y, floats({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}), 0);
  expect_close(run_op("Expand", {x, ints({1})})[0], x, 0);
  EXPECT_THROW(run_op("Expand", {x, ints({2, 2})}), Error);
}

TEST(TensorOps, TileRepeatsEachDim) {
  Tensor x = Tensor::from_vector<uint8_t>({2, 2}, {1, 2, 3, 4});
  expect_close(run_op("Tile", {x, ints({2, 2})})[0],
               Tensor::from_vector<uint8_t>({4, 4}, {1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}), 0);
  EXPECT_EQ(run_op("Tile", {x, ints({0, 3})})[0].shape(), (Shape{0, 6}));
  EXPECT_THROW(run_op("Tile", {x, ints({2})}), Error);
  // A repeat whose product with the dim passes int64 (the onnx_run fuzzer's) is refused, not overflowed.
  EXPECT_THROW(run_op("Tile", {Tensor::from_vector<uint8_t>({3}, {1, 2, 3}), ints({8099004849221272063})}), Error);
}

TEST(TensorOps, PadModes) {
  Tensor x = floats({1, 3}, {1, 2, 3});
  auto pad = [&](const std::string& mode, std::vector<int64_t> pads) {
    return run_op("Pad", {x, ints(pads)}, {{"mode", attr_string(mode)}}, 1, 19)[0];
  };
  expect_close(pad("constant", {0, 2, 0, 1}), floats({1, 6}, {0, 0, 1, 2, 3, 0}), 0);
  expect_close(pad("reflect", {0, 2, 0, 3}), floats({1, 8}, {3, 2, 1, 2, 3, 2, 1, 2}), 0);
  expect_close(pad("edge", {0, 2, 0, 1}), floats({1, 6}, {1, 1, 1, 2, 3, 3}), 0);
  expect_close(pad("wrap", {0, 4, 0, 1}), floats({1, 8}, {3, 1, 2, 3, 1, 2, 3, 1}), 0);
  expect_close(pad("constant", {1, 0, 0, 0}), floats({2, 3}, {0, 0, 0, 1, 2, 3}), 0);
  // Negative pads crop first; edge then reads the cropped region.
  expect_close(pad("edge", {0, -1, 0, 2}), floats({1, 4}, {2, 3, 3, 3}), 0);
  EXPECT_THROW(pad("constant", {0, -2, 0, -2}), Error);
  EXPECT_THROW(pad("mirror", {0, 1, 0, 1}), Error);
  // Pads of 2^52 (the onnx_run fuzzer's: sized before anything is allocated) or past int64 are errors.
  EXPECT_THROW(pad("constant", {0, int64_t{1} << 52, 0, 0}), Error);
  EXPECT_THROW(pad("constant", {0, INT64_MAX, 0, 5}), Error);
  EXPECT_THROW(pad("constant", {0, INT64_MIN, 0, 0}), Error);
  // An empty output is empty at once, however long its other axes (the onnx_run fuzzer's 2^61: no
  // per-axis table is built for it).
  for (const char* mode : {"constant", "edge"}) {
    const Tensor empty = pad(mode, {-1, int64_t{1} << 61, 0, 0});
    EXPECT_EQ(empty.shape(), (Shape{0, (int64_t{1} << 61) + 3})) << mode;
  }
}

TEST(TensorOps, PadConstantValueAndAxes) {
  Tensor x = Tensor::from_vector<int32_t>({2, 2}, {1, 2, 3, 4});
  auto y = run_op("Pad", {x, ints({1, 1, 0, 0}), Tensor::scalar<int32_t>(9)}, {}, 1, 13)[0];
  expect_close(y, Tensor::from_vector<int32_t>({3, 3}, {9, 9, 9, 9, 1, 2, 9, 3, 4}), 0);
  // Opset 18 axes: pads only axis -1.
  auto z = run_op("Pad", {x, ints({1, 0}), Tensor(), ints({-1})}, {}, 1, 18)[0];
  expect_close(z, Tensor::from_vector<int32_t>({2, 3}, {0, 1, 2, 0, 3, 4}), 0);
  // Opset 2: pads and value are attributes.
  auto w = run_op("Pad", {floats({2}, {1, 2})}, {{"pads", attr_ints({1, 1})}, {"value", attr_float(-1.f)}}, 1, 2)[0];
  expect_close(w, floats({4}, {-1, 1, 2, -1}), 0);
}

}  // namespace
}  // namespace octet::testing
