// Shape ops: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity, Dropout (inference).
// None of them touches the data: outputs are views sharing the input's storage with a new shape
// (tensors are immutable once produced, so sharing is safe).
#include <algorithm>
#include <limits>

#include "ops/op_args.h"
#include "ops/registry.h"

namespace octet {

namespace {

// Reshape (ONNX 5/13/14/19/21): a 0 copies the input dim at that index unless allowzero=1
// (opset 14), one -1 is inferred from the element count.
void reshape(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto spec = int_list_arg(ctx, "shape", 1, 5);
  OCTET_CHECK(spec, ctx.node.describe(), ": the target shape is missing");
  bool allow_zero = ctx.node.opset >= 14 && ctx.node.attr_int("allowzero", 0) != 0;
  Shape shape = *spec;
  int infer = -1;
  int64_t known = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == -1) {
      OCTET_CHECK(infer < 0, ctx.node.describe(), ": target shape ", shape_str(*spec), " has more than one -1");
      infer = static_cast<int>(k);
      continue;
    }
    if (shape[k] == 0 && !allow_zero) {
      OCTET_CHECK(static_cast<int>(k) < x.rank(), ctx.node.describe(), ": target shape ", shape_str(*spec),
                  " copies dim ", k, " (0) but the input ", shape_str(x.shape()), " has rank ", x.rank());
      shape[k] = x.shape()[k];
    }
    OCTET_CHECK(shape[k] >= 0, ctx.node.describe(), ": invalid dim ", shape[k], " in target shape ", shape_str(*spec));
    // A product past int64 is more elements than any input holds (and would overflow).
    OCTET_CHECK(shape[k] == 0 || known <= std::numeric_limits<int64_t>::max() / shape[k], ctx.node.describe(),
                ": cannot reshape ", shape_str(x.shape()), " to ", shape_str(*spec), " (too many elements)");
    known *= shape[k];
  }
  if (infer >= 0) {
    OCTET_CHECK(known != 0 && x.numel() % known == 0, ctx.node.describe(), ": cannot reshape ", shape_str(x.shape()),
                " to ", shape_str(*spec));
    shape[infer] = x.numel() / known;
  }
  OCTET_CHECK(shape_numel(shape) == x.numel(), ctx.node.describe(), ": cannot reshape ", shape_str(x.shape()), " (",
              x.numel(), " elements) to ", shape_str(*spec));
  ctx.outputs[0] = x.reshaped(shape);
}

// Flatten (ONNX 1/9/11/13/21): [d0 .. d(axis-1)] x [d(axis) ..]; axis in [-r, r].
void flatten(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t r = x.rank(), axis = ctx.node.attr_int("axis", 1);
  OCTET_CHECK(axis >= -r && axis <= r, ctx.node.describe(), ": axis ", axis, " is out of range for rank ", r);
  if (axis < 0) axis += r;
  int64_t outer = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= x.shape()[k];
  int64_t inner = 1;
  for (int64_t k = axis; k < r; ++k) inner *= x.shape()[k];
  ctx.outputs[0] = x.reshaped({outer, inner});
}

// Squeeze (ONNX 1/11/13/21): axes attribute before 13, input from 13; no axes removes every 1.
void squeeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto axes = int_list_arg(ctx, "axes", 1, 13);
  std::vector<bool> drop(x.rank(), false);
  if (axes) {
    for (int64_t a : normalize_axes(ctx.node, *axes, x.rank())) {
      OCTET_CHECK(x.shape()[a] == 1, ctx.node.describe(), ": cannot squeeze axis ", a, " of size ", x.shape()[a],
                  " (input shape ", shape_str(x.shape()), ")");
      drop[a] = true;
    }
  } else {
    for (int k = 0; k < x.rank(); ++k) drop[k] = x.shape()[k] == 1;
  }
  Shape shape;
  for (int k = 0; k < x.rank(); ++k)
    if (!drop[k]) shape.push_back(x.shape()[k]);
  ctx.outputs[0] = x.reshaped(shape);
}

// Unsqueeze (ONNX 1/11/13/21): axes (attribute before 13, input from 13) index the output.
void unsqueeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto axes = int_list_arg(ctx, "axes", 1, 13);
  OCTET_CHECK(axes, ctx.node.describe(), ": axes are missing");
  int64_t out_rank = x.rank() + static_cast<int64_t>(axes->size());
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : normalize_axes(ctx.node, *axes, out_rank)) inserted[a] = true;
  Shape shape;
  size_t next = 0;
  for (int64_t k = 0; k < out_rank; ++k) shape.push_back(inserted[k] ? 1 : x.shape()[next++]);
  ctx.outputs[0] = x.reshaped(shape);
}

// Shape (ONNX 1/13/15/19/21): dims [start, end) from opset 15, negatives counted from the back,
// both clamped to [0, rank].
void shape_op(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  int64_t r = x.rank(), start = 0, end = r;
  if (ctx.node.opset >= 15) {
    auto clamp = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
    start = clamp(ctx.node.attr_int("start", 0));
    end = clamp(ctx.node.attr_int("end", r));
  }
  std::vector<int64_t> dims(x.shape().begin() + start, x.shape().begin() + std::max(start, end));
  ctx.outputs[0] = Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

void size_op(KernelContext& ctx) { ctx.outputs[0] = Tensor::scalar<int64_t>(ctx.input(0).numel()); }

void identity(KernelContext& ctx) { ctx.outputs[0] = ctx.input(0); }

// Dropout at inference (ONNX 7/10/12/13/22) is the identity; the optional mask is all true.
// From opset 12 ratio and training_mode are inputs: training mode with a non-zero ratio would need
// random masks, which an inference runtime must not silently fake.
void dropout(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (ctx.node.opset >= 12) {
    const Tensor* training = ctx.optional_input(2);
    const Tensor* ratio = ctx.optional_input(1);
    bool train = training && training->numel() == 1 && training->as_double(0) != 0;
    double r = ratio && ratio->numel() == 1 ? ratio->as_double(0) : 0.5;
    OCTET_CHECK(!train || r == 0, ctx.node.describe(), ": training_mode=true with ratio ", r,
                " is not supported (octet runs inference)");
  }
  ctx.outputs[0] = x;
  if (ctx.outputs.size() > 1 && !ctx.node.outputs[1].empty()) {
    Tensor mask(DType::kBool, x.shape());
    std::fill(mask.data<bool>(), mask.data<bool>() + mask.numel(), true);
    ctx.outputs[1] = mask;
  }
}

}  // namespace

void register_shape_ops(OpRegistry& r) {
  r.add("Reshape", reshape);
  r.add("Flatten", flatten);
  r.add("Squeeze", squeeze);
  r.add("Unsqueeze", unsqueeze);
  r.add("Shape", shape_op);
  r.add("Size", size_op);
  r.add("Identity", identity);
  r.add("Dropout", dropout);
}

}  // namespace octet
