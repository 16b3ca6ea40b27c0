#include "ops/batched_matmul.h"

#include <algorithm>

#include "ops/dnnl_util.h"
#include "ops/op_args.h"

namespace octet {

StridedView contiguous_view(const Shape& shape, const std::vector<int64_t>& perm) {
  const std::vector<int64_t> strides = contiguous_strides(shape);
  if (perm.empty()) return {shape, strides};
  StridedView v;
  for (int64_t p : perm) {
    v.shape.push_back(shape.at(p));
    v.strides.push_back(strides.at(p));
  }
  return v;
}

namespace {

// A matrix of `rows` x `cols` with these strides as sgemm's (trans, ld), or trans = 0 when it is not
// one (no unit stride, or rows that overlap). A single row or column has any stride it needs.
std::pair<char, int64_t> as_sgemm(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  if (col_stride == 1 || cols == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : row_stride;
    if (ld >= std::max<int64_t>(cols, 1)) return {'N', ld};
  }
  if (row_stride == 1 || rows == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : col_stride;
    if (ld >= std::max<int64_t>(rows, 1)) return {'T', ld};
  }
  return {0, 0};
}

}  // namespace

BatchedProducts plan_products(const StridedView& a_in, const StridedView& b_in, const std::string& who,
                              const std::function<std::vector<int64_t>(const Shape& out)>& c_strides) {
  StridedView a = a_in, b = b_in;
  OCTET_CHECK(!a.shape.empty() && !b.shape.empty(), who, "MatMul operands must be at least 1-D");
  const bool a_vec = a.shape.size() == 1, b_vec = b.shape.size() == 1;
  if (a_vec) a.shape.insert(a.shape.begin(), 1), a.strides.insert(a.strides.begin(), 0);
  if (b_vec) b.shape.push_back(1), b.strides.push_back(0);
  const size_t rank = std::max(a.shape.size(), b.shape.size());
  auto pad = [&](StridedView& v) {
    v.shape.insert(v.shape.begin(), rank - v.shape.size(), 1);
    v.strides.insert(v.strides.begin(), rank - v.strides.size(), 0);
  };
  pad(a), pad(b);
  BatchedProducts p;
  p.m = a.shape[rank - 2], p.k = a.shape[rank - 1], p.n = b.shape[rank - 1];
  OCTET_CHECK(b.shape[rank - 2] == p.k, who, "inner dimensions differ: ", shape_str(a_in.shape), " x ",
              shape_str(b_in.shape));
  Shape batch(rank - 2);
  for (size_t d = 0; d + 2 < rank; ++d) {
    OCTET_CHECK(a.shape[d] == b.shape[d] || a.shape[d] == 1 || b.shape[d] == 1, who, "batch dimensions of ",
                shape_str(a_in.shape), " and ", shape_str(b_in.shape), " do not broadcast");
    batch[d] = a.shape[d] == 1 ? b.shape[d] : a.shape[d];
  }
  p.out_shape = batch;
  if (!a_vec) p.out_shape.push_back(p.m);
  if (!b_vec) p.out_shape.push_back(p.n);
  // C's strides over batch + [m, n] (the dims a 1-D operand dropped get stride 0: size 1).
  std::vector<int64_t> out_strides = c_strides ? c_strides(p.out_shape) : contiguous_strides(p.out_shape);
  OCTET_CHECK(out_strides.size() == p.out_shape.size(), who, "output strides do not match the output rank");
  std::vector<int64_t> cs(out_strides.begin(), out_strides.begin() + static_cast<int64_t>(batch.size()));
  size_t next = batch.size();
  cs.push_back(a_vec ? 0 : out_strides[next++]);
  cs.push_back(b_vec ? 0 : out_strides[next]);

  // An empty result needs no product (however many batches its other dims declare: 2^40 offsets
  // would be a hang); with k = 0 the operands are never read, only C written with zeros.
  if (p.m == 0 || p.n == 0) return p;
  auto [tc, ldc] = as_sgemm(p.m, p.n, cs[rank - 2], cs[rank - 1]);
  auto [ta, lda] =
      p.k ? as_sgemm(p.m, p.k, a.strides[rank - 2], a.strides[rank - 1]) : std::pair<char, int64_t>{'N', 1};
  auto [tb, ldb] =
      p.k ? as_sgemm(p.k, p.n, b.strides[rank - 2], b.strides[rank - 1]) : std::pair<char, int64_t>{'N', 1};
  OCTET_CHECK(ta && tb && tc == 'N', who, "an operand or the result has no unit stride along a matrix dimension");
  p.trans_a = ta, p.trans_b = tb, p.lda = lda, p.ldb = ldb, p.ldc = ldc;

  const int64_t products = shape_numel(batch);
  for (int64_t i = 0; i < products; ++i) {
    int64_t rest = i, ao = 0, bo = 0, co = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t idx = rest % batch[d];
      rest /= batch[d];
      ao += (a.shape[d] == 1 ? 0 : idx) * a.strides[d];
      bo += (b.shape[d] == 1 ? 0 : idx) * b.strides[d];
      co += idx * cs[d];
    }
    p.a_offset.push_back(ao);
    p.b_offset.push_back(bo);
    p.c_offset.push_back(co);
  }
  return p;
}

void run_products(const BatchedProducts& p, const float* a, const float* b, float* c, ThreadPool& pool) {
  if (p.m == 0 || p.n == 0) return;
  dnnl_util::parallel_single_threaded(pool, static_cast<int64_t>(p.a_offset.size()), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* ci = c + p.c_offset[i];
      if (p.k == 0) {  // an empty sum
        for (int64_t r = 0; r < p.m; ++r) std::fill(ci + r * p.ldc, ci + r * p.ldc + p.n, 0.0f);
        continue;
      }
      dnnl_status_t st = dnnl_sgemm(p.trans_a, p.trans_b, p.m, p.n, p.k, 1.0f, a + p.a_offset[i], p.lda,
                                    b + p.b_offset[i], p.ldb, 0.0f, ci, p.ldc);
      OCTET_CHECK(st == dnnl_success, "oneDNN sgemm failed (status ", int(st), ")");
    }
  });
}

}  // namespace octet
