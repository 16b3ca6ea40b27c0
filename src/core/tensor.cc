#include "octet/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace octet {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat64:
    case DType::kInt64:
    case DType::kUInt64: return 8;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kUInt32: return 4;
    case DType::kFloat16:
    case DType::kInt16:
    case DType::kUInt16: return 2;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kFloat16: return "float16";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kUInt16: return "uint16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
    case DType::kBool: return "bool";
  }
  return "?";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    OCTET_CHECK(d >= 0, "invalid dimension ", d, " in shape ", shape_str(shape));
    OCTET_CHECK(d == 0 || n <= std::numeric_limits<int64_t>::max() / d, "shape ", shape_str(shape),
                " has too many elements");
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {
constexpr size_t kAlign = 64;
// Tensors are capped at 64 GiB: anything larger is a corrupt file, not a model.
constexpr size_t kMaxBytes = size_t{64} << 30;
}  // namespace

Tensor Tensor::uninitialized(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  OCTET_CHECK(static_cast<size_t>(t.numel_) <= kMaxBytes / dtype_size(dtype), "tensor of shape ", shape_str(t.shape_),
              " (", dtype_name(dtype), ") is larger than 64 GiB");
  size_t bytes = (t.nbytes() + kAlign - 1) / kAlign * kAlign;
  if (bytes == 0) bytes = kAlign;
  void* p = std::aligned_alloc(kAlign, bytes);
  if (!p) fail("out of memory allocating ", bytes, " bytes for a tensor of shape ", shape_str(t.shape_));
  t.owner_ = std::shared_ptr<void>(p, std::free);
  t.data_ = p;
  return t;
}

Tensor::Tensor(DType dtype, Shape shape) : Tensor(uninitialized(dtype, std::move(shape))) {
  std::memset(data_, 0, (nbytes() + kAlign - 1) / kAlign * kAlign);
}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shape_numel(shape_)), owner_(std::move(owner)), data_(data) {}

int64_t Tensor::dim(int axis) const {
  int r = rank();
  int a = axis < 0 ? axis + r : axis;
  OCTET_CHECK(a >= 0 && a < r, "axis ", axis, " out of range for rank ", r);
  return shape_[a];
}

Tensor Tensor::reshaped(Shape shape) const {
  OCTET_CHECK(shape_numel(shape) == numel_, "cannot reshape ", shape_str(shape_), " to ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

void Tensor::check_dtype(DType want) const {
  OCTET_CHECK(dtype_ == want, "tensor of dtype ", dtype_name(dtype_), " accessed as ", dtype_name(want));
}

namespace {
// IEEE half to float, for reading float16 data (octet computes in float32).
float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
}  // namespace

double Tensor::as_double(int64_t i) const {
  OCTET_CHECK(i >= 0 && i < numel_, "element ", i, " out of range for shape ", shape_str(shape_));
  const uint8_t* p = static_cast<const uint8_t*>(data_);
  switch (dtype_) {
    case DType::kFloat32: return reinterpret_cast<const float*>(p)[i];
    case DType::kFloat64: return reinterpret_cast<const double*>(p)[i];
    case DType::kFloat16: return half_to_float(reinterpret_cast<const uint16_t*>(p)[i]);
    case DType::kInt8: return reinterpret_cast<const int8_t*>(p)[i];
    case DType::kUInt8: return p[i];
    case DType::kInt16: return reinterpret_cast<const int16_t*>(p)[i];
    case DType::kUInt16: return reinterpret_cast<const uint16_t*>(p)[i];
    case DType::kInt32: return reinterpret_cast<const int32_t*>(p)[i];
    case DType::kInt64: return static_cast<double>(reinterpret_cast<const int64_t*>(p)[i]);
    case DType::kUInt32: return reinterpret_cast<const uint32_t*>(p)[i];
    case DType::kUInt64: return static_cast<double>(reinterpret_cast<const uint64_t*>(p)[i]);
    case DType::kBool: return p[i] ? 1.0 : 0.0;
  }
  return 0;
}

int64_t Tensor::as_int64(int64_t i) const {
  OCTET_CHECK(i >= 0 && i < numel_, "element ", i, " out of range for shape ", shape_str(shape_));
  if (dtype_ == DType::kInt64) return static_cast<const int64_t*>(data_)[i];
  // Out of int64's range the cast would be undefined: refused (a uint64 past 2^63, a float NaN).
  if (dtype_ == DType::kUInt64) {
    const uint64_t u = static_cast<const uint64_t*>(data_)[i];
    OCTET_CHECK(u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), "element ", i, " (", u,
                ") is out of int64 range");
    return static_cast<int64_t>(u);
  }
  const double v = as_double(i);
  OCTET_CHECK(v >= -9223372036854775808.0 && v < 9223372036854775808.0, "element ", i, " (", v,
              ") is not representable as int64");
  return static_cast<int64_t>(v);
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[i] = as_int64(i);
  return v;
}

}  // namespace octet
