// numpy-style batched matrix products on strided operands, one single-threaded oneDNN sgemm per
// product, the products split over octet's pool (dnnl_util::parallel_single_threaded): attention's
// many small products (12 heads x [128 x 32] x [32 x 128]), where one OpenMP team per product
// costs more than the product. Operands and result are views with arbitrary element strides, so a
// Transpose before or after the product is an index change, not a copy (ops/transposed_matmul.cc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "octet/tensor.h"

namespace octet {

// A tensor as a matmul operand: its logical shape and element strides (rank >= 1).
struct StridedView {
  Shape shape;
  std::vector<int64_t> strides;
};

struct BatchedProducts {
  int64_t m = 0, k = 0, n = 0;
  char trans_a = 'N', trans_b = 'N';
  int64_t lda = 1, ldb = 1, ldc = 1;
  std::vector<int64_t> a_offset, b_offset, c_offset;  // per product, in elements
  Shape out_shape;                                    // the product's logical shape (numpy MatMul)
};

// Plans A x B with numpy MatMul semantics (1-D operands promoted, batch dims broadcast); the result
// is written through `c_strides` (for out_shape; empty: contiguous). Each matrix needs a unit stride
// along its rows or its columns, C along its columns. octet::Error prefixed with `who` otherwise, or
// when the shapes do not multiply.
BatchedProducts plan_products(const StridedView& a, const StridedView& b, const std::string& who,
                              const std::function<std::vector<int64_t>(const Shape& out)>& c_strides = nullptr);

// Runs the plan: c must hold the output (zeros are written when k = 0).
void run_products(const BatchedProducts& p, const float* a, const float* b, float* c, ThreadPool& pool);

// The view of a contiguous tensor of `shape`, optionally through a transpose `perm` (ONNX Transpose).
StridedView contiguous_view(const Shape& shape, const std::vector<int64_t>& perm = {});

}  // namespace octet
