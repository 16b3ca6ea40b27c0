#include "core/cosine.h"

#include <cmath>

namespace octet {

double cosine(const Tensor& a, const Tensor& b, int64_t begin, int64_t end) {
  double dot = 0, aa = 0, bb = 0;
  for (int64_t j = begin; j < end; ++j) {
    const double x = a.as_double(j), y = b.as_double(j);
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa == 0 || bb == 0) return aa == bb ? 1.0 : 0.0;
  return dot / std::sqrt(aa * bb);
}

}  // namespace octet
