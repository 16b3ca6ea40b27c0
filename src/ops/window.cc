#include "ops/window.h"

#include "octet/error.h"

namespace octet {

std::vector<int64_t> spatial_attr(const Node& node, const std::string& key, size_t rank, int64_t def, int64_t min) {
  std::vector<int64_t> v = node.attr_ints(key, std::vector<int64_t>(rank, def));
  OCTET_CHECK(v.size() == rank, node.describe(), ": attribute '", key, "' has ", v.size(), " values, expected ", rank);
  for (int64_t x : v) OCTET_CHECK(x >= min, node.describe(), ": attribute '", key, "' holds ", x, ", below ", min);
  return v;
}

std::vector<int64_t> explicit_pads(const Node& node, size_t rank) {
  std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(2 * rank, 0));
  OCTET_CHECK(pads.size() == 2 * rank, node.describe(), ": attribute 'pads' has ", pads.size(), " values, expected ",
              2 * rank);
  for (int64_t p : pads) OCTET_CHECK(p >= 0, node.describe(), ": negative pads are not supported");
  return pads;
}

AutoPad auto_pad(const Node& node) {
  const std::string a = node.attr_string("auto_pad", "NOTSET");
  if (a == "NOTSET" || a.empty()) return AutoPad::kNotSet;
  if (a == "SAME_UPPER") return AutoPad::kSameUpper;
  if (a == "SAME_LOWER") return AutoPad::kSameLower;
  OCTET_CHECK(a == "VALID", node.describe(), ": unknown auto_pad '", a, "'");
  return AutoPad::kValid;
}

void check_kernel_shape(const Node& node, const std::vector<int64_t>& kernel) {
  if (node.has_attr("kernel_shape")) {
    OCTET_CHECK(node.attr_ints("kernel_shape") == kernel, node.describe(), ": kernel_shape does not match the weight");
  }
}

Window make_window(const Node& node, const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                   bool ceil_mode) {
  const size_t rank = in.size();
  Window w;
  w.kernel = kernel;
  check_kernel_shape(node, kernel);
  for (int64_t k : kernel) OCTET_CHECK(k >= 1, node.describe(), ": kernel dims must be positive");
  w.strides = spatial_attr(node, "strides", rank, 1);
  w.dilations = spatial_attr(node, "dilations", rank, 1);
  w.pad_begin.assign(rank, 0);
  w.pad_end.assign(rank, 0);
  w.out.assign(rank, 0);
  const AutoPad pad = auto_pad(node);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t s = w.strides[d], ext = w.extent(d);
    if (pad == AutoPad::kSameUpper || pad == AutoPad::kSameLower) {
      // ONNX: output = ceil(input / stride); the total padding that needs goes to the end first
      // (SAME_UPPER) or to the beginning first (SAME_LOWER).
      w.out[d] = (in[d] + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (w.out[d] - 1) * s + ext - in[d]);
      w.pad_begin[d] = pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      w.pad_end[d] = total - w.pad_begin[d];
    } else if (pad == AutoPad::kValid) {
      w.out[d] = in[d] >= ext ? (in[d] - ext) / s + 1 : 0;
    } else {
      const std::vector<int64_t> pads = explicit_pads(node, rank);
      w.pad_begin[d] = pads[d];
      w.pad_end[d] = pads[d + rank];
      const int64_t span = in[d] + w.pad_begin[d] + w.pad_end[d] - ext;
      OCTET_CHECK(span >= 0, node.describe(), ": the kernel (extent ", ext, ") is larger than the padded input (",
                  in[d] + w.pad_begin[d] + w.pad_end[d], ") in spatial dim ", d);
      w.out[d] = (ceil_mode ? span + s - 1 : span) / s + 1;
      // As PyTorch and ONNX Runtime: in ceil mode the last window must start inside the input or
      // its left padding, else it is dropped.
      if (ceil_mode && (w.out[d] - 1) * s >= in[d] + w.pad_begin[d]) --w.out[d];
    }
  }
  return w;
}

}  // namespace octet
