// QuantizeLinear, DequantizeLinear (opsets 10-21) and DynamicQuantizeLinear (opset 11): eq. (1)-(5)
// of docs/quantization.md. Scale and zero point are per tensor, per axis (opset 13+) or per block
// (opset 21 block_size). float16/bfloat16 scales and 4-bit/float8 codes are not supported.
#include <cstring>

#include "kernels/qmath.h"
#include "ops/quantize_linear.h"
#include "ops/registry.h"

namespace octet {

DType quantize_output_dtype(const Node& node, const Tensor* zp) {
  const int64_t attr = node.attr_int("output_dtype", 0);
  DType from_attr = DType::kUInt8;
  switch (attr) {
    case 0:
    case 2: from_attr = DType::kUInt8; break;
    case 3: from_attr = DType::kInt8; break;
    case 4: from_attr = DType::kUInt16; break;
    case 5: from_attr = DType::kInt16; break;
    default: fail(node.describe(), ": unsupported output_dtype ", attr);
  }
  if (!zp) return from_attr;
  OCTET_CHECK(attr == 0 || zp->dtype() == from_attr, node.describe(), ": output_dtype ", attr,
              " differs from the zero point's dtype ", dtype_name(zp->dtype()));
  return zp->dtype();
}

namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per task: below this threads cost more than they save

// Calls f(Q{}) with the C++ type of an integer code dtype; kAllowInt32 admits DequantizeLinear's
// int32 input (a compile-time flag, so QuantizeLinear never instantiates an int32 path).
template <bool kAllowInt32, class F>
void visit_code_type(DType t, const Node& node, F&& f) {
  switch (t) {
    case DType::kUInt8: return f(uint8_t{});
    case DType::kInt8: return f(int8_t{});
    case DType::kUInt16: return f(uint16_t{});
    case DType::kInt16: return f(int16_t{});
    case DType::kInt32:
      if constexpr (kAllowInt32) return f(int32_t{});
      break;
    default: break;
  }
  fail(node.describe(), ": unsupported quantized dtype ", dtype_name(t));
}

// How scale and zero point map onto x, viewed as [outer, channels, inner] around `axis`:
// per tensor (one pair), per axis (a pair per channel) or blocked (a pair per block of
// `block` channels and per (outer, inner) position, opset 21).
struct QuantLayout {
  bool per_tensor = true;
  int64_t outer = 1, channels = 1, inner = 1, block = 0;
};

QuantLayout quant_layout(const KernelContext& ctx, const Tensor& x, const Tensor& scale, const Tensor* zp) {
  const Node& node = ctx.node;
  OCTET_CHECK(scale.dtype() == DType::kFloat32, node.describe(), ": scale must be float32, got ",
              dtype_name(scale.dtype()), " (float16/bfloat16 scales are not supported)");
  // A scalar against a one-element 1-D tensor is accepted (ONNX Runtime's quantizer writes such
  // pairs and runs them); any other shape difference is an error.
  if (zp)
    OCTET_CHECK(zp->shape() == scale.shape() || (zp->numel() == 1 && scale.numel() == 1), node.describe(),
                ": zero point shape ", shape_str(zp->shape()), " differs from scale shape ", shape_str(scale.shape()));
  QuantLayout l;
  const int64_t block = node.attr_int("block_size", 0);
  OCTET_CHECK(block >= 0, node.describe(), ": block_size must be >= 0, got ", block);
  if (block == 0 && scale.numel() == 1 && scale.rank() <= 1) return l;
  const int64_t axis = node.attr_int("axis", 1);
  OCTET_CHECK(axis >= -x.rank() && axis < x.rank(), node.describe(), ": axis ", axis,
              " out of range for input of shape ", shape_str(x.shape()));
  const int a = static_cast<int>(axis < 0 ? axis + x.rank() : axis);
  l.per_tensor = false;
  l.block = block;
  l.channels = x.dim(a);
  for (int i = 0; i < a; ++i) l.outer *= x.dim(i);
  for (int i = a + 1; i < x.rank(); ++i) l.inner *= x.dim(i);
  if (block == 0) {
    OCTET_CHECK(scale.rank() == 1 && scale.dim(0) == l.channels, node.describe(), ": per-axis scale must have shape [",
                l.channels, "] (input ", shape_str(x.shape()), ", axis ", axis, "), got ", shape_str(scale.shape()));
    return l;
  }
  Shape want = x.shape();
  want[a] = (l.channels + block - 1) / block;
  OCTET_CHECK(scale.shape() == want, node.describe(), ": blocked scale must have shape ", shape_str(want), " (input ",
              shape_str(x.shape()), ", axis ", axis, ", block_size ", block, "), got ", shape_str(scale.shape()));
  return l;
}

// The index into scale / zero point of element (o, c, i).
int64_t param_index(const QuantLayout& l, int64_t o, int64_t c, int64_t i) {
  if (l.block == 0) return c;
  return (o * ((l.channels + l.block - 1) / l.block) + c / l.block) * l.inner + i;
}

// Runs row(x_off, param_index_of_first, n) over rows of x that share one scale (per tensor: chunks
// of the whole tensor; per axis: one row per (outer, channel)); blocked layouts call it per element.
template <class RowFn>
void for_each_row(ThreadPool& pool, const QuantLayout& l, int64_t numel, RowFn&& row) {
  if (numel == 0) return;  // however many rows the other dims declare (2^40 rows of none: a hang)
  if (l.per_tensor) {
    pool.parallel_for(numel, kGrain, [&](int64_t b, int64_t e) { row(b, 0, e - b); });
    return;
  }
  const int64_t rows = l.outer * l.channels;
  pool.parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(l.inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / l.channels, c = r % l.channels;
      if (l.block == 0) {
        row(r * l.inner, c, l.inner);
      } else {
        for (int64_t i = 0; i < l.inner; ++i) row(r * l.inner + i, param_index(l, o, c, i), 1);
      }
    }
  });
}

template <class Q>
int32_t zero_point_at(const Tensor* zp, int64_t i) {
  return zp ? static_cast<int32_t>(zp->data<Q>()[i]) : 0;
}

void quantize_linear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  const Tensor* zp = ctx.optional_input(2);
  OCTET_CHECK(x.dtype() == DType::kFloat32, ctx.node.describe(), ": input must be float32, got ",
              dtype_name(x.dtype()));
  const QuantLayout l = quant_layout(ctx, x, scale, zp);
  const DType out_type = quantize_output_dtype(ctx.node, zp);
  ctx.outputs[0] = Tensor(out_type, x.shape());
  visit_code_type<false>(out_type, ctx.node, [&](auto q) {
    using Q = decltype(q);
    const float* xs = x.data<float>();
    const float* s = scale.data<float>();
    Q* y = ctx.outputs[0].data<Q>();
    for_each_row(ctx.pool, l, x.numel(), [&](int64_t off, int64_t p, int64_t n) {
      quantize_span<Q>(xs + off, n, s[p], zero_point_at<Q>(zp, p), y + off);
    });
  });
}

void dequantize_linear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  const Tensor* zp = ctx.optional_input(2);
  if (zp)
    OCTET_CHECK(zp->dtype() == x.dtype(), ctx.node.describe(), ": zero point dtype ", dtype_name(zp->dtype()),
                " differs from input dtype ", dtype_name(x.dtype()));
  const QuantLayout l = quant_layout(ctx, x, scale, zp);
  ctx.outputs[0] = Tensor(DType::kFloat32, x.shape());
  visit_code_type<true>(x.dtype(), ctx.node, [&](auto q) {
    using Q = decltype(q);
    const Q* xs = x.data<Q>();
    const float* s = scale.data<float>();
    float* y = ctx.outputs[0].data<float>();
    for_each_row(ctx.pool, l, x.numel(), [&](int64_t off, int64_t p, int64_t n) {
      dequantize_span<Q>(xs + off, n, s[p], zero_point_at<Q>(zp, p), y + off);
    });
  });
}

void dynamic_quantize_linear(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.dtype() == DType::kFloat32, ctx.node.describe(), ": input must be float32, got ",
              dtype_name(x.dtype()));
  const float* xs = x.data<float>();
  const int64_t n = x.numel();
  // Eq. (3) per chunk, merged; chunk ranges are fixed so the result is the same for any thread count.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(ctx.pool.size(), n / kGrain));
  std::vector<MinMax> part(chunks);
  ctx.pool.run(chunks, [&](int64_t c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    part[c] = range_with_zero(xs + b, e - b);
  });
  MinMax range;
  for (const MinMax& m : part) range = {std::min(range.min, m.min), std::max(range.max, m.max)};
  const QParams p = dynamic_qparams_u8(range);
  ctx.outputs[0] = Tensor(DType::kUInt8, x.shape());
  uint8_t* y = ctx.outputs[0].data<uint8_t>();
  ctx.pool.parallel_for(
      n, kGrain, [&](int64_t b, int64_t e) { quantize_span<uint8_t>(xs + b, e - b, p.scale, p.zero_point, y + b); });
  if (ctx.outputs.size() > 1) ctx.outputs[1] = Tensor::scalar<float>(p.scale);
  if (ctx.outputs.size() > 2) ctx.outputs[2] = Tensor::scalar<uint8_t>(static_cast<uint8_t>(p.zero_point));
}

}  // namespace

void register_quantize_ops(OpRegistry& r) {
  r.add("QuantizeLinear", quantize_linear);
  r.add("DequantizeLinear", dequantize_linear);
  r.add("DynamicQuantizeLinear", dynamic_quantize_linear);
}

}  // namespace octet
