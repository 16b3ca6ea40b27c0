#include "ops/op_args.h"

#include <algorithm>

namespace octet {

int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank) {
  OCTET_CHECK(axis >= -rank && axis < rank, node.describe(), ": axis ", axis, " is out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> normalize_axes(const Node& node, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = normalize_axis(node, a, rank);
  std::vector<int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  OCTET_CHECK(dup == sorted.end(), node.describe(), ": axis ", dup == sorted.end() ? 0 : *dup, " is repeated");
  return axes;
}

std::optional<std::vector<int64_t>> int_list_input(const KernelContext& ctx, size_t i) {
  const Tensor* t = ctx.optional_input(i);
  if (!t) return std::nullopt;
  OCTET_CHECK(t->dtype() == DType::kInt64 || t->dtype() == DType::kInt32, ctx.node.describe(), ": input ", i,
              " must be int64 or int32, got ", dtype_name(t->dtype()));
  OCTET_CHECK(t->rank() <= 1, ctx.node.describe(), ": input ", i, " must be a 1-D list, got shape ",
              shape_str(t->shape()));
  return t->to_int64_vector();
}

std::optional<std::vector<int64_t>> int_list_arg(const KernelContext& ctx, const std::string& key, size_t i,
                                                 int input_since) {
  if (ctx.node.opset >= input_since) return int_list_input(ctx, i);
  if (!ctx.node.has_attr(key)) return std::nullopt;
  return ctx.node.attr_ints(key);
}

std::vector<int64_t> permutation_attr(const Node& node, const std::string& key, int64_t rank) {
  if (!node.has_attr(key)) return {};
  std::vector<int64_t> perm = node.attr_ints(key);
  OCTET_CHECK(static_cast<int64_t>(perm.size()) == rank, node.describe(), ": ", key, " has ", perm.size(),
              " entries for an input of rank ", rank);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    OCTET_CHECK(p >= 0 && p < rank && !seen[p], node.describe(), ": ", key, " is not a permutation of 0..", rank - 1);
    seen[p] = true;
  }
  return perm;
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  // Multiplied as unsigned: an empty tensor may declare dims whose product overflows int64 (the
  // onnx_run fuzzer's Transpose of [0, 2^34, 2^42, ...]); its strides are then never used to read,
  // and for any tensor that holds data the products fit and are the same.
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;)
    s[k - 1] = static_cast<int64_t>(static_cast<uint64_t>(s[k]) * static_cast<uint64_t>(shape[k]));
  return s;
}

}  // namespace octet
