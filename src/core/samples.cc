#include "octet/samples.h"

#include <cmath>
#include <cstring>

namespace octet {

std::map<std::string, Tensor> slice_samples(const std::map<std::string, Tensor>& data, int64_t begin, int64_t end) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : data) {
    OCTET_CHECK(t.rank() >= 1 && t.dim(0) >= end && begin >= 0 && begin <= end, "'", name, "' has shape ",
                shape_str(t.shape()), ": no samples ", begin, "..", end, " on axis 0");
    Shape s = t.shape();
    s[0] = end - begin;
    Tensor b(t.dtype(), s);
    size_t sample = t.dim(0) ? t.nbytes() / t.dim(0) : 0;
    std::memcpy(b.raw(), static_cast<const uint8_t*>(t.raw()) + begin * sample, (end - begin) * sample);
    out[name] = b;
  }
  return out;
}

void check_finite(const std::map<std::string, Tensor>& data, const std::string& source) {
  for (const auto& [name, t] : data) {
    if (t.dtype() != DType::kFloat32 && t.dtype() != DType::kFloat64 && t.dtype() != DType::kFloat16) continue;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double v = t.dtype() == DType::kFloat32 ? t.data<float>()[i] : t.as_double(i);
      if (std::isfinite(v)) continue;
      const int64_t per_sample = t.rank() >= 1 && t.dim(0) > 0 ? t.numel() / t.dim(0) : t.numel();
      fail(source, ": '", name, "' sample ", i / per_sample, ", element ", i % per_sample, " is ",
           std::isnan(v) ? "NaN"
           : v > 0       ? "+inf"
                         : "-inf",
           "; data to calibrate or train on must be finite");
    }
  }
}

int64_t sample_count(const std::map<std::string, Tensor>& data, const std::string& file) {
  int64_t n = -1;
  for (const auto& [name, t] : data) {
    OCTET_CHECK(t.rank() >= 1, file, ": '", name, "' is a scalar; DATA files hold samples along axis 0");
    OCTET_CHECK(n < 0 || t.dim(0) == n, file, ": '", name, "' has ", t.dim(0), " samples, others ", n);
    n = t.dim(0);
  }
  OCTET_CHECK(n >= 0, file, ": holds no arrays");
  return n;
}

}  // namespace octet
