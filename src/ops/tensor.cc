// Tensor data movement: Transpose, Concat, Split, Slice, Gather, Expand, Tile, Pad. Every op works
// on raw bytes (only the element size matters), so one code path serves every dtype; contiguous
// runs move with memcpy and big tensors are split over the thread pool.
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "ops/cast.h"
#include "ops/op_args.h"
#include "ops/pad.h"
#include "ops/registry.h"
#include "ops/strided_copy.h"

namespace octet {

namespace {

const uint8_t* bytes(const Tensor& t) { return static_cast<const uint8_t*>(t.raw()); }
uint8_t* bytes(Tensor& t) { return static_cast<uint8_t*>(t.raw()); }

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t k = begin; k < end; ++k) n *= s[k];
  return n;
}

// Transpose (ONNX 1/13/21): perm defaults to reversing the dims. The [B,S,H,D] -> [B,H,S,D]
// attention permutation becomes memcpy of D-element rows, a permutation that moves the last dim
// becomes a blocked 2-D transpose (strided_copy picks the path).
void transpose(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t r = x.rank();
  std::vector<int64_t> perm = permutation_attr(ctx.node, "perm", r);
  if (!ctx.node.has_attr("perm")) {
    perm.resize(r);
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  std::vector<int64_t> in_strides = contiguous_strides(x.shape()), strides(r);
  Shape shape(r);
  for (int64_t k = 0; k < r; ++k) {
    shape[k] = x.shape()[perm[k]];
    strides[k] = in_strides[perm[k]];
  }
  Tensor y = Tensor::uninitialized(x.dtype(), shape);
  strided_copy(y.raw(), x.raw(), shape, strides, dtype_size(x.dtype()), ctx.pool);
  ctx.outputs[0] = y;
}

// Concat (ONNX 4/11/13): inputs agree on every dim but `axis`; each output row along the outer
// dims is the inputs' rows back to back.
void concat(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  OCTET_CHECK(first.rank() > 0, ctx.node.describe(), ": cannot concatenate scalars");
  int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), first.rank());
  Shape shape = first.shape();
  shape[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor& t = ctx.input(i);
    OCTET_CHECK(t.dtype() == first.dtype(), ctx.node.describe(), ": input ", i, " is ", dtype_name(t.dtype()),
                ", input 0 is ", dtype_name(first.dtype()));
    bool ok = t.rank() == first.rank();
    for (int k = 0; ok && k < t.rank(); ++k) ok = k == axis || t.shape()[k] == first.shape()[k];
    OCTET_CHECK(ok, ctx.node.describe(), ": input ", i, " of shape ", shape_str(t.shape()),
                " does not match input 0 of shape ", shape_str(first.shape()), " outside axis ", axis);
    shape[axis] += t.shape()[axis];
  }
  Tensor y(first.dtype(), shape);
  size_t elem = dtype_size(first.dtype()), n = ctx.num_inputs();
  int64_t outer = prod(shape, 0, axis), inner = prod(shape, axis + 1, shape.size());
  int64_t row_bytes = shape[axis] * inner * static_cast<int64_t>(elem);
  if (row_bytes == 0) {  // nothing to copy, however many rows the other axes declare (2^48: a hang)
    ctx.outputs[0] = y;
    return;
  }
  std::vector<int64_t> offset(n + 1, 0);  // byte offset of each input's chunk within an output row
  for (size_t i = 0; i < n; ++i) offset[i + 1] = offset[i] + ctx.input(i).shape()[axis] * inner * elem;
  ctx.pool.parallel_for(outer * static_cast<int64_t>(n), grain_for_bytes(row_bytes / static_cast<int64_t>(n)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t task = begin; task < end; ++task) {
                            int64_t o = task / n, i = task % n, chunk = offset[i + 1] - offset[i];
                            std::memcpy(bytes(y) + o * row_bytes + offset[i], bytes(*ctx.inputs[i]) + o * chunk, chunk);
                          }
                        });
  ctx.outputs[0] = y;
}

// Split (ONNX 2/11/13/18): sizes from the `split` attribute (before 13) or input (from 13), else
// equal parts over the outputs (or num_outputs, from 18); when the dim does not divide, parts of
// ceil(dim / n) and a smaller last one (as the ONNX reference implementation does).
void split(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.rank() > 0, ctx.node.describe(), ": cannot split a scalar");
  int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank()), dim = x.shape()[axis];
  int64_t n = static_cast<int64_t>(ctx.outputs.size());
  // Absent, or (opset 13) an empty tensor: equal parts.
  std::vector<int64_t> sizes = int_list_arg(ctx, "split", 1, 13).value_or(std::vector<int64_t>{});
  if (sizes.empty()) {
    if (ctx.node.opset >= 18 && ctx.node.has_attr("num_outputs")) {
      OCTET_CHECK(ctx.node.attr_int("num_outputs", 0) == n, ctx.node.describe(), ": num_outputs is ",
                  ctx.node.attr_int("num_outputs", 0), " but the node has ", n, " outputs");
    }
    int64_t part = (dim + n - 1) / n;
    sizes.assign(n, part);
    sizes.back() = dim - part * (n - 1);
    OCTET_CHECK(sizes.back() >= 0, ctx.node.describe(), ": cannot split dim ", dim, " into ", n, " parts");
  }
  OCTET_CHECK(static_cast<int64_t>(sizes.size()) == n, ctx.node.describe(), ": split has ", sizes.size(), " sizes for ",
              n, " outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    OCTET_CHECK(s >= 0, ctx.node.describe(), ": negative split size ", s);
    total += s;
  }
  OCTET_CHECK(total == dim, ctx.node.describe(), ": split sizes sum to ", total, " but axis ", axis, " has ", dim);
  size_t elem = dtype_size(x.dtype());
  int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.rank());
  int64_t row_bytes = dim * inner * static_cast<int64_t>(elem), offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    Shape shape = x.shape();
    shape[axis] = sizes[i];
    Tensor y(x.dtype(), shape);
    int64_t chunk = sizes[i] * inner * elem, src = offset * inner * elem;
    ctx.outputs[i] = y;
    offset += sizes[i];
    if (y.numel() == 0) continue;  // nothing to copy, however many rows the other axes declare
    ctx.pool.parallel_for(outer, grain_for_bytes(chunk), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) std::memcpy(bytes(y) + o * chunk, bytes(x) + o * row_bytes + src, chunk);
    });
  }
}

// Slice (ONNX 1/10/11/13): starts/ends/axes attributes before 10, inputs (with steps) from 10.
// Negative starts/ends count from the back; then starts clamp to [0, d] ([0, d-1] for a negative
// step) and ends to [0, d] ([-1, d-1] for a negative step).
void slice(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t r = x.rank();
  auto starts = int_list_arg(ctx, "starts", 1, 10), ends = int_list_arg(ctx, "ends", 2, 10);
  OCTET_CHECK(starts && ends && starts->size() == ends->size(), ctx.node.describe(),
              ": starts and ends must be given with the same length");
  size_t n = starts->size();
  auto axes = int_list_arg(ctx, "axes", 3, 10);
  std::vector<int64_t> ax(n);
  std::iota(ax.begin(), ax.end(), 0);
  if (axes) ax = *axes;
  auto steps = ctx.node.opset >= 10 ? int_list_input(ctx, 4) : std::nullopt;
  std::vector<int64_t> st = steps ? *steps : std::vector<int64_t>(n, 1);
  OCTET_CHECK(ax.size() == n && st.size() == n, ctx.node.describe(), ": starts, ends, axes and steps differ in length");
  ax = normalize_axes(ctx.node, ax, r);
  Shape shape = x.shape();
  std::vector<int64_t> strides = contiguous_strides(x.shape());
  int64_t base = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t k = ax[i], d = x.shape()[k], step = st[i];
    OCTET_CHECK(step != 0, ctx.node.describe(), ": step for axis ", k, " is 0");
    int64_t s = (*starts)[i], e = (*ends)[i];
    if (s < 0) s += d;
    if (e < 0) e += d;
    int64_t len = 0;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      len = e > s ? (e - s + step - 1) / step : 0;
    } else if (d > 0) {
      s = std::clamp<int64_t>(s, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      len = s > e ? (s - e - step - 1) / -step : 0;
    }
    shape[k] = len;
    if (len > 0) base += s * strides[k];
    strides[k] *= step;
  }
  Tensor y(x.dtype(), shape);
  size_t elem = dtype_size(x.dtype());
  strided_copy(y.raw(), bytes(x) + base * static_cast<int64_t>(elem), shape, strides, elem, ctx.pool);
  ctx.outputs[0] = y;
}

// Gather (ONNX 1/11/13): out = data[:axis] x indices x data[axis+1:]; indices may be negative
// (from 11), int32 or int64; out-of-range ones are an error.
void gather(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& idx = ctx.input(1);
  OCTET_CHECK(x.rank() > 0, ctx.node.describe(), ": cannot gather from a scalar");
  OCTET_CHECK(idx.dtype() == DType::kInt64 || idx.dtype() == DType::kInt32, ctx.node.describe(),
              ": indices must be int32 or int64, got ", dtype_name(idx.dtype()));
  int64_t axis = normalize_axis(ctx.node, ctx.node.attr_int("axis", 0), x.rank()), dim = x.shape()[axis];
  std::vector<int64_t> index = idx.to_int64_vector();
  for (int64_t& i : index) {
    OCTET_CHECK(i >= -dim && i < dim, ctx.node.describe(), ": index ", i, " is out of range for axis ", axis,
                " of size ", dim);
    if (i < 0) i += dim;
  }
  Shape shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), idx.shape().begin(), idx.shape().end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  Tensor y(x.dtype(), shape);
  ctx.outputs[0] = y;
  if (y.numel() == 0) return;  // nothing to copy, however many rows the other axes declare (2^40: a hang)
  int64_t outer = prod(x.shape(), 0, axis), chunk = prod(x.shape(), axis + 1, x.rank()) * dtype_size(x.dtype());
  int64_t n = static_cast<int64_t>(index.size());
  ctx.pool.parallel_for(outer * n, grain_for_bytes(chunk), [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      int64_t o = task / n, j = task % n;
      std::memcpy(bytes(y) + task * chunk, bytes(x) + (o * dim + index[j]) * chunk, chunk);
    }
  });
}

// Expand (ONNX 8/13): numpy-style bidirectional broadcast of the input against `shape`.
void expand(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto target = int_list_input(ctx, 1);
  OCTET_CHECK(target, ctx.node.describe(), ": shape is missing");
  size_t r = std::max<size_t>(x.rank(), target->size());
  Shape shape(r);
  std::vector<int64_t> in_strides = contiguous_strides(x.shape()), strides(r, 0);
  for (size_t k = 0; k < r; ++k) {
    int64_t xi = static_cast<int64_t>(k) - static_cast<int64_t>(r - x.rank());
    int64_t ti = static_cast<int64_t>(k) - static_cast<int64_t>(r - target->size());
    int64_t a = xi >= 0 ? x.shape()[xi] : 1, b = ti >= 0 ? (*target)[ti] : 1;
    OCTET_CHECK(a == b || a == 1 || b == 1, ctx.node.describe(), ": cannot broadcast input ", shape_str(x.shape()),
                " to shape ", shape_str(*target));
    OCTET_CHECK(b >= 0, ctx.node.describe(), ": invalid dim ", b, " in shape ", shape_str(*target));
    shape[k] = a == 1 ? b : a;
    if (xi >= 0 && a != 1) strides[k] = in_strides[xi];
  }
  Tensor y(x.dtype(), shape);
  strided_copy(y.raw(), x.raw(), shape, strides, dtype_size(x.dtype()), ctx.pool);
  ctx.outputs[0] = y;
}

// Tile (ONNX 6/13): dim k repeated repeats[k] times. Viewed as shape [r0, d0, r1, d1, ...] with
// zero strides on the repeat dims, it is a broadcast copy.
void tile(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto repeats = int_list_input(ctx, 1);
  OCTET_CHECK(repeats && static_cast<int64_t>(repeats->size()) == x.rank(), ctx.node.describe(),
              ": repeats must have one entry per input dim (", x.rank(), ")");
  std::vector<int64_t> in_strides = contiguous_strides(x.shape()), strides;
  Shape view, shape;
  for (int k = 0; k < x.rank(); ++k) {
    int64_t rep = (*repeats)[k];
    OCTET_CHECK(rep >= 0, ctx.node.describe(), ": negative repeat ", rep, " for axis ", k);
    OCTET_CHECK(rep == 0 || x.shape()[k] <= std::numeric_limits<int64_t>::max() / rep, ctx.node.describe(),
                ": repeating axis ", k, " of size ", x.shape()[k], " ", rep,
                " times gives more elements than a tensor holds");
    view.insert(view.end(), {rep, x.shape()[k]});
    strides.insert(strides.end(), {0, in_strides[k]});
    shape.push_back(rep * x.shape()[k]);
  }
  Tensor y(x.dtype(), shape);
  strided_copy(y.raw(), x.raw(), view, strides, dtype_size(x.dtype()), ctx.pool);
  ctx.outputs[0] = y;
}

}  // namespace

void register_tensor_ops(OpRegistry& r) {
  r.add("Transpose", transpose);
  r.add("Concat", concat);
  r.add("Split", split);
  r.add("Slice", slice);
  r.add("Gather", gather);
  r.add("Expand", expand);
  r.add("Tile", tile);
  r.add("Pad", pad);
}

}  // namespace octet
