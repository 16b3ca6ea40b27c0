// ONNX MatMulInteger (opset 10): y = (a - a_zero_point) x (b - b_zero_point) as int32, with numpy
// MatMul shapes (1-D operands promoted, batch dimensions broadcast). a and b are uint8 or int8;
// a_zero_point is one value (the per-row zero points the spec also allows are rejected by name);
// b_zero_point is one value or one per column. ONNX Runtime's quantize_dynamic writes this op, with
// a constant 2-D b, after DynamicQuantizeLinear.
// On kernels/qgemm.h (u8 x s8, exact int32 sums, Epilogue::int32): an int8 a becomes uint8 and a
// uint8 b int8, with their zero points moved the same way (ops/integer_operands.h).
#include <algorithm>
#include <map>

#include "kernels/qgemm.h"
#include "ops/batched_matmul.h"
#include "ops/integer_operands.h"
#include "ops/registry.h"

namespace octet {

namespace {

// A contiguous tensor's view, with strides as if every dimension were at least 1: an empty
// operand (k = 0, say) still has a unit stride along its rows.
StridedView row_major(const Shape& shape) {
  StridedView v{shape, std::vector<int64_t>(shape.size())};
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) v.strides[d] = stride, stride *= std::max<int64_t>(shape[d], 1);
  return v;
}

class MatMulInteger : public OpKernel {
 public:
  explicit MatMulInteger(const KernelInit& init) : node_(init.node) {
    // A constant 2-D b with a constant (or no) zero point: packed once, here.
    const Tensor* b = init.constant_input(1);
    const Tensor* b_zp = node_.has_input(3) ? init.constant_input(3) : nullptr;
    if (b && b->rank() == 2 && b->dim(0) > 0 && b->dim(1) > 0 && (!node_.has_input(3) || b_zp)) {
      check_b(*b, b_zp);
      packed_b_ = pack_b(*b, b_zp, 0, b->dim(0), b->dim(1), b->dim(1), 'N');
      prepacked_ = true;
    }
  }

  void run(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* a_zp = ctx.optional_input(2);
    const Tensor* b_zp = ctx.optional_input(3);
    OCTET_CHECK(is_byte_type(a.dtype()), node_.describe(), ": input '", node_.inputs[0],
                "' must be uint8 or int8, got ", dtype_name(a.dtype()));
    check_b(b, b_zp);
    if (a_zp) {
      OCTET_CHECK(a_zp->dtype() == a.dtype(), node_.describe(), ": a_zero_point '", node_.inputs[2],
                  "' must have a's type ", dtype_name(a.dtype()), ", got ", dtype_name(a_zp->dtype()));
      OCTET_CHECK(a_zp->numel() == 1, node_.describe(), ": a_zero_point '", node_.inputs[2], "' has ", a_zp->numel(),
                  " values; per-row zero points of a are not supported, only one for all of a");
    }
    const uint8_t a_zero = moved_zero_point(a_zp, a.dtype() == DType::kInt8);
    // 1-D operands as a row and a column matrix (the same bytes); the result drops those dims.
    Shape a_shape = a.shape(), b_shape = b.shape(), y_shape;
    if (a.rank() == 1) a_shape.insert(a_shape.begin(), 1);
    if (b.rank() == 1) b_shape.push_back(1);
    const BatchedProducts p = plan_products(row_major(a_shape), row_major(b_shape), node_.describe() + ": ");
    for (size_t d = 0; d < p.out_shape.size(); ++d)
      if (!(a.rank() == 1 && d + 2 == p.out_shape.size()) && !(b.rank() == 1 && d + 1 == p.out_shape.size()))
        y_shape.push_back(p.out_shape[d]);
    Tensor y(DType::kInt32, y_shape);  // zeros: the result of an empty sum (k = 0)
    ctx.outputs[0] = y;
    if (p.m == 0 || p.n == 0 || p.k == 0 || p.a_offset.empty()) return;
    OCTET_CHECK(p.trans_a == 'N' && p.lda == p.k, node_.describe(), ": unexpected layout of a");

    // a as uint8 codes (int8 ones moved).
    std::vector<uint8_t> a_moved;
    const auto* a_codes = static_cast<const uint8_t*>(a.raw());
    if (a.dtype() == DType::kInt8) a_moved = moved_bytes(a, true), a_codes = a_moved.data();
    // b packed per distinct matrix (one for a 2-D b, prepacked when constant).
    std::map<int64_t, kernels::PackedWeightsS8> packed;
    auto packed_at = [&](int64_t offset) -> const kernels::PackedWeightsS8& {
      if (prepacked_) return packed_b_;
      auto it = packed.find(offset);
      if (it == packed.end()) it = packed.emplace(offset, pack_b(b, b_zp, offset, p.k, p.n, p.ldb, p.trans_b)).first;
      return it->second;
    };
    int32_t* out = y.data<int32_t>();
    // One GEMM over every row when the products share b and sit back to back (a batched a times a
    // 2-D b: the usual case); else one per product.
    bool one_gemm = true;
    for (size_t i = 0; i < p.a_offset.size(); ++i)
      one_gemm &= p.b_offset[i] == p.b_offset[0] && p.a_offset[i] == int64_t(i) * p.m * p.k &&
                  p.c_offset[i] == int64_t(i) * p.m * p.ldc && p.ldc == p.n;
    if (one_gemm) {
      const int64_t rows = p.m * int64_t(p.a_offset.size());
      kernels::qgemm_u8s8(a_codes, p.k, a_zero, packed_at(p.b_offset[0]), rows, kernels::Epilogue::int32(out, p.n),
                          ctx.pool);
      return;
    }
    for (size_t i = 0; i < p.a_offset.size(); ++i)
      kernels::qgemm_u8s8(a_codes + p.a_offset[i], p.k, a_zero, packed_at(p.b_offset[i]), p.m,
                          kernels::Epilogue::int32(out + p.c_offset[i], p.ldc), ctx.pool);
  }

 private:
  void check_b(const Tensor& b, const Tensor* b_zp) const {
    OCTET_CHECK(is_byte_type(b.dtype()), node_.describe(), ": input '", node_.inputs[1],
                "' must be uint8 or int8, got ", dtype_name(b.dtype()));
    if (!b_zp) return;
    OCTET_CHECK(b_zp->dtype() == b.dtype(), node_.describe(), ": b_zero_point '", node_.inputs[3],
                "' must have b's type ", dtype_name(b.dtype()), ", got ", dtype_name(b_zp->dtype()));
    const int64_t n = b.rank() >= 2 ? b.dim(-1) : 1;
    OCTET_CHECK(b_zp->numel() == 1 || b_zp->numel() == n, node_.describe(), ": b_zero_point '", node_.inputs[3],
                "' has ", b_zp->numel(), " values, expected 1 or one per column (", n, ")");
  }

  // The k x n matrix of b at `offset` (element (kk, nn) at kk * ld + nn, or nn * ld + kk when
  // transposed) as int8 (uint8 moved by 128), packed with its zero points moved the same way.
  static kernels::PackedWeightsS8 pack_b(const Tensor& b, const Tensor* b_zp, int64_t offset, int64_t k, int64_t n,
                                         int64_t ld, char trans) {
    const int64_t stride_k = trans == 'N' ? ld : 1, stride_n = trans == 'N' ? 1 : ld;
    const bool flip = b.dtype() == DType::kUInt8;
    const std::vector<int8_t> zp = moved_weight_zero_points(b_zp, flip);
    const auto* src = static_cast<const uint8_t*>(b.raw()) + offset;
    if (!flip) return kernels::pack_weights_s8(reinterpret_cast<const int8_t*>(src), k, n, stride_k, stride_n, zp);
    std::vector<int8_t> moved(k * n);
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t nn = 0; nn < n; ++nn) moved[kk * n + nn] = int8_t(src[kk * stride_k + nn * stride_n] ^ 0x80);
    return kernels::pack_weights_s8(moved.data(), k, n, n, 1, zp);
  }

  const Node& node_;
  bool prepacked_ = false;
  kernels::PackedWeightsS8 packed_b_;
};

}  // namespace

void register_matmul_integer_ops(OpRegistry& r) {
  r.add("MatMulInteger",
        [](const KernelInit& init) -> std::unique_ptr<OpKernel> { return std::make_unique<MatMulInteger>(init); });
}

}  // namespace octet
