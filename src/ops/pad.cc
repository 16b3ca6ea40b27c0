// Pad (ONNX 2/11/13/18/19/21): pads (and the constant value) are attributes before 11, inputs
// from 11; axes (input 3) from 18; modes constant, reflect, edge, wrap (wrap from 19).
// pads = [x1_begin, x2_begin, ..., x1_end, x2_end]; a negative pad removes elements. As ONNX
// Runtime does, removal happens first and reflect/edge/wrap then read the remaining region.
#include "ops/pad.h"

#include <algorithm>

#include "ops/cast.h"
#include "ops/op_args.h"
#include "ops/strided_copy.h"

namespace octet {

namespace {

enum class Mode { kConstant, kReflect, kEdge, kWrap };

Mode parse_mode(const Node& node) {
  std::string m = node.attr_string("mode", "constant");
  if (m == "constant") return Mode::kConstant;
  if (m == "reflect") return Mode::kReflect;
  if (m == "edge") return Mode::kEdge;
  if (m == "wrap") return Mode::kWrap;
  fail(node.describe(), ": unknown mode '", m, "'");
}

// Source index along one axis for every output index, -1 where the constant goes. The kept source
// region is [lo, lo + n); `before` positions precede it in the output.
std::vector<int64_t> axis_map(int64_t out, int64_t before, int64_t lo, int64_t n, Mode mode) {
  std::vector<int64_t> map(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t p = o - before;
    if (p < 0 || p >= n) {
      switch (mode) {
        case Mode::kConstant: map[o] = -1; continue;
        case Mode::kEdge: p = std::clamp<int64_t>(p, 0, n - 1); break;
        case Mode::kWrap: p = ((p % n) + n) % n; break;
        case Mode::kReflect: {  // numpy's reflect: periodic with period 2(n-1), edges not repeated
          int64_t period = 2 * (n - 1);
          p = period == 0 ? 0 : ((p % period) + period) % period;
          if (p >= n) p = period - p;
          break;
        }
      }
    }
    map[o] = lo + p;
  }
  return map;
}

}  // namespace

void pad(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t r = x.rank();
  Mode mode = parse_mode(ctx.node);
  auto pads = int_list_arg(ctx, "pads", 1, 11);
  OCTET_CHECK(pads, ctx.node.describe(), ": pads are missing");
  std::vector<int64_t> axes(r);
  for (int64_t k = 0; k < r; ++k) axes[k] = k;
  if (ctx.node.opset >= 18)
    if (auto a = int_list_input(ctx, 3)) axes = normalize_axes(ctx.node, *a, r);
  size_t na = axes.size();
  OCTET_CHECK(pads->size() == 2 * na, ctx.node.describe(), ": pads has ", pads->size(), " entries, expected ", 2 * na);
  std::vector<int64_t> begin(r, 0), end(r, 0);
  for (size_t i = 0; i < na; ++i) {
    begin[axes[i]] = (*pads)[i];
    end[axes[i]] = (*pads)[i + na];
  }

  Tensor value = Tensor::scalar<float>(ctx.node.opset < 11 ? ctx.node.attr_float("value", 0.f) : 0.f);
  if (const Tensor* v = ctx.node.opset >= 11 ? ctx.optional_input(2) : nullptr; v && v->numel() > 0) {
    OCTET_CHECK(v->numel() == 1, ctx.node.describe(), ": constant_value must be a scalar, got shape ",
                shape_str(v->shape()));
    value = *v;
  }
  value = cast_tensor(value, x.dtype());

  // The output is sized (and refused if too large) before the per-axis index maps, which are as
  // long as its axes, are built.
  Shape shape(r);
  std::vector<int64_t> kept(r), skipped(r);  // input elements kept on each axis, and skipped at its start
  for (int64_t k = 0; k < r; ++k) {
    const int64_t d = x.shape()[k];
    skipped[k] = begin[k] < 0 ? -std::max<int64_t>(begin[k], -d - 1) : 0;
    kept[k] = d - skipped[k] - (end[k] < 0 ? -std::max<int64_t>(end[k], -d - 1) : 0);
    OCTET_CHECK(!__builtin_add_overflow(d, begin[k], &shape[k]) && !__builtin_add_overflow(shape[k], end[k], &shape[k]),
                ctx.node.describe(), ": pads ", shape_str(*pads), " make axis ", k, " larger than any tensor");
    OCTET_CHECK(kept[k] >= 0 && shape[k] >= 0, ctx.node.describe(), ": pads ", shape_str(*pads),
                " remove more than axis ", k, " of input ", shape_str(x.shape()), " holds");
    OCTET_CHECK(mode == Mode::kConstant || kept[k] > 0 || shape[k] == 0, ctx.node.describe(),
                ": cannot pad an empty axis ", k, " in this mode");
  }
  Tensor y(x.dtype(), shape);
  ctx.outputs[0] = y;
  // An empty output needs no maps, and one of its other axes may be longer than any table.
  if (y.numel() == 0) return;
  std::vector<std::vector<int64_t>> maps(r);
  for (int64_t k = 0; k < r; ++k)
    maps[k] = axis_map(shape[k], std::max<int64_t>(0, begin[k]), skipped[k], kept[k], mode);
  indexed_copy(y.raw(), x.raw(), x.shape(), maps, value.raw(), dtype_size(x.dtype()), ctx.pool);
}

}  // namespace octet
