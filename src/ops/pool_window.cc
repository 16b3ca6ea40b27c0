#include "ops/pool_window.h"

namespace octet {

Planes planes_of(const Node& node, const Tensor& x) {
  OCTET_CHECK(x.rank() >= 3 && x.rank() <= 5, node.describe(), ": input must be [N, C, d1 (, d2 (, d3))], got ",
              shape_str(x.shape()));
  Planes p;
  p.planes = x.dim(0) * x.dim(1);
  for (int i = 2; i < x.rank(); ++i) {
    p.in.push_back(x.dim(i));
    p.d[i - 2] = x.dim(i);
    p.size *= x.dim(i);
  }
  return p;
}

Win3 window3(const Node& node, const Planes& p) {
  OCTET_CHECK(node.has_attr("kernel_shape"), node.describe(), ": missing attribute 'kernel_shape'");
  std::vector<int64_t> kernel = node.attr_ints("kernel_shape");
  OCTET_CHECK(kernel.size() == p.in.size(), node.describe(), ": kernel_shape has ", kernel.size(), " dims, the input ",
              p.in.size(), " spatial dims");
  Window w = make_window(node, p.in, kernel, node.attr_int("ceil_mode", 0) != 0);
  Win3 r;
  for (size_t i = 0; i < w.rank(); ++i) {
    r.k[i] = w.kernel[i];
    r.s[i] = w.strides[i];
    r.dil[i] = w.dilations[i];
    r.pb[i] = w.pad_begin[i];
    r.pe[i] = w.pad_end[i];
    r.out[i] = w.out[i];
    r.out_size *= w.out[i];
  }
  return r;
}

Shape pooled_shape(const Tensor& x, const Win3& w) {
  Shape s = {x.dim(0), x.dim(1)};
  for (int i = 2; i < x.rank(); ++i) s.push_back(w.out[i - 2]);
  return s;
}

}  // namespace octet
