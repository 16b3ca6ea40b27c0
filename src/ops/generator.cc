// Generators and conversion: Constant, ConstantOfShape, Range, Cast.
#include <cmath>
#include <cstring>

#include "ir/onnx_dtype.h"
#include "ops/cast.h"
#include "ops/op_args.h"
#include "ops/registry.h"

namespace octet {

namespace {

// Constant (ONNX 1/9/11/12/13/19/21): exactly one of value, value_float(s), value_int(s).
// (The importer folds Constant nodes into initializers; this kernel serves graphs built in code.)
void constant(KernelContext& ctx) {
  const Node& n = ctx.node;
  OCTET_CHECK(!n.has_attr("sparse_value") && !n.has_attr("value_string") && !n.has_attr("value_strings"), n.describe(),
              ": sparse and string constants are not supported");
  OCTET_CHECK(n.attrs.size() == 1, n.describe(), ": exactly one value attribute must be set, found ", n.attrs.size());
  if (const Attribute* a = n.find_attr("value")) {
    OCTET_CHECK(a->kind == Attribute::Kind::kTensor, n.describe(), ": attribute 'value' is not a tensor");
    ctx.outputs[0] = a->t;
  } else if (n.has_attr("value_float")) {
    ctx.outputs[0] = Tensor::scalar<float>(n.attr_float("value_float", 0));
  } else if (n.has_attr("value_int")) {
    ctx.outputs[0] = Tensor::scalar<int64_t>(n.attr_int("value_int", 0));
  } else if (n.has_attr("value_floats")) {
    auto v = n.attr_floats("value_floats");
    ctx.outputs[0] = Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  } else if (n.has_attr("value_ints")) {
    auto v = n.attr_ints("value_ints");
    ctx.outputs[0] = Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
  } else {
    fail(n.describe(), ": unknown attribute '", n.attrs.begin()->first, "'");
  }
}

// ConstantOfShape (ONNX 9/20/21): a tensor of the input shape filled with the one-element `value`
// attribute (float32 0 by default), of that value's dtype.
void constant_of_shape(KernelContext& ctx) {
  auto shape = int_list_input(ctx, 0);
  OCTET_CHECK(shape, ctx.node.describe(), ": shape is missing");
  Tensor value = Tensor::scalar<float>(0.f);
  if (const Attribute* a = ctx.node.find_attr("value")) {
    OCTET_CHECK(a->kind == Attribute::Kind::kTensor && a->t.numel() == 1, ctx.node.describe(),
                ": attribute 'value' must be a one-element tensor");
    value = a->t;
  }
  for (int64_t d : *shape)
    OCTET_CHECK(d >= 0, ctx.node.describe(), ": negative dim ", d, " in shape ", shape_str(*shape));
  Tensor y(value.dtype(), *shape);
  size_t elem = dtype_size(y.dtype());
  auto* d = static_cast<uint8_t*>(y.raw());
  for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(d + i * elem, value.raw(), elem);
  ctx.outputs[0] = y;
}

// Range (ONNX 11): max(ceil((limit - start) / delta), 0) elements start + i * delta. Integer
// types count exactly; float types compute in double and round once.
template <class T>
Tensor range_of(const Node& node, T start, T limit, T delta) {
  OCTET_CHECK(delta != T{0}, node.describe(), ": delta is 0");
  int64_t n;
  if constexpr (std::is_integral_v<T>) {
    // In 128 bits: limit - start of int64 values can pass int64 (the onnx_run fuzzer's 5 - INT64_MIN).
    const __int128 span = static_cast<__int128>(limit) - static_cast<__int128>(start), step = delta;
    const __int128 count = span / step + (span % step != 0 && ((span > 0) == (step > 0)) ? 1 : 0);
    OCTET_CHECK(count < 1000000000000, node.describe(), ": range from ", start, " to ", limit, " by ", delta,
                " has more elements than a tensor holds");
    n = count <= 0 ? 0 : static_cast<int64_t>(count);
  } else {
    double c = std::ceil((static_cast<double>(limit) - start) / delta);
    OCTET_CHECK(std::isfinite(c) && c < 1e12, node.describe(), ": range of ", c, " elements");
    n = static_cast<int64_t>(c);
  }
  Tensor y(dtype_of<T>(), {std::max<int64_t>(n, 0)});
  T* d = y.data<T>();
  for (int64_t i = 0; i < y.numel(); ++i) {
    // i * delta may pass int64 where start + i * delta does not (start far below 0, a large delta).
    if constexpr (std::is_integral_v<T>)
      d[i] = static_cast<T>(static_cast<__int128>(start) + static_cast<__int128>(i) * delta);
    else d[i] = static_cast<T>(static_cast<double>(start) + static_cast<double>(i) * delta);
  }
  return y;
}

void range(KernelContext& ctx) {
  const Tensor &s = ctx.input(0), &l = ctx.input(1), &d = ctx.input(2);
  OCTET_CHECK(s.numel() == 1 && l.numel() == 1 && d.numel() == 1, ctx.node.describe(),
              ": start, limit and delta must be scalars");
  OCTET_CHECK(s.dtype() == l.dtype() && s.dtype() == d.dtype(), ctx.node.describe(),
              ": start, limit and delta must have the same dtype");
  switch (s.dtype()) {
    case DType::kFloat32:
      ctx.outputs[0] = range_of(ctx.node, *s.data<float>(), *l.data<float>(), *d.data<float>());
      break;
    case DType::kFloat64:
      ctx.outputs[0] = range_of(ctx.node, *s.data<double>(), *l.data<double>(), *d.data<double>());
      break;
    case DType::kInt16:
      ctx.outputs[0] = range_of(ctx.node, *s.data<int16_t>(), *l.data<int16_t>(), *d.data<int16_t>());
      break;
    case DType::kInt32:
      ctx.outputs[0] = range_of(ctx.node, *s.data<int32_t>(), *l.data<int32_t>(), *d.data<int32_t>());
      break;
    case DType::kInt64:
      ctx.outputs[0] = range_of(ctx.node, *s.data<int64_t>(), *l.data<int64_t>(), *d.data<int64_t>());
      break;
    default: fail(ctx.node.describe(), ": unsupported dtype ", dtype_name(s.dtype()));
  }
}

// Cast (ONNX 6/9/13/19/21): `to` is an ONNX TensorProto.DataType. The opset-19 `saturate`
// attribute only concerns float8 types, which octet does not hold.
void cast(KernelContext& ctx) {
  OCTET_CHECK(ctx.node.has_attr("to"), ctx.node.describe(), ": attribute 'to' is missing");
  DType to = dtype_from_onnx(static_cast<int>(ctx.node.attr_int("to", 0)), ctx.node.describe());
  ctx.outputs[0] = cast_tensor(ctx.input(0), to);
}

}  // namespace

void register_generator_ops(OpRegistry& r) {
  r.add("Constant", constant);
  r.add("ConstantOfShape", constant_of_shape);
  r.add("Range", range);
  r.add("Cast", cast);
}

}  // namespace octet
