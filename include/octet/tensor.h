// Tensor: a dense, row-major, 64-byte aligned n-d array with a dtype. Copies share storage
// (like a shared_ptr); clone() makes a deep copy. Views made by reshaped() share storage too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "octet/error.h"

namespace octet {

// Element types octet computes with. The numbering is octet's own; onnx/ maps ONNX's
// TensorProto.DataType onto it.
enum class DType : uint8_t {
  kFloat32,
  kFloat64,
  kFloat16,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kInt64,
  kUInt32,
  kUInt64,
  kBool
};

size_t dtype_size(DType t);
const char* dtype_name(DType t);  // "float32", "uint8", ...

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::kFloat32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::kFloat64;
}
template <>
constexpr DType dtype_of<int8_t>() {
  return DType::kInt8;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::kUInt8;
}
template <>
constexpr DType dtype_of<int16_t>() {
  return DType::kInt16;
}
template <>
constexpr DType dtype_of<uint16_t>() {
  return DType::kUInt16;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::kInt32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::kInt64;
}
template <>
constexpr DType dtype_of<uint32_t>() {
  return DType::kUInt32;
}
template <>
constexpr DType dtype_of<uint64_t>() {
  return DType::kUInt64;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::kBool;
}

using Shape = std::vector<int64_t>;

// Number of elements; throws octet::Error on a negative dim or on int64 overflow.
int64_t shape_numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[1,3,224,224]"

class Tensor {
 public:
  Tensor() = default;                // undefined: defined() is false
  Tensor(DType dtype, Shape shape);  // zero-filled
  // Contents undefined: for outputs a kernel writes in full (saves a pass over the memory).
  static Tensor uninitialized(DType dtype, Shape shape);

  // A tensor over storage someone else owns; `owner` keeps it alive.
  Tensor(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data);

  template <class T>
  static Tensor scalar(T v) {
    Tensor t(dtype_of<T>(), {});
    *t.data<T>() = v;
    return t;
  }
  template <class T>
  static Tensor from_vector(Shape shape, const std::vector<T>& v) {
    Tensor t(dtype_of<T>(), std::move(shape));
    OCTET_CHECK(static_cast<int64_t>(v.size()) == t.numel(), "from_vector: ", v.size(), " values for shape ",
                shape_str(t.shape()));
    for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = v[i];
    return t;
  }

  bool defined() const { return owner_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const;  // negative axes count from the end
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <class T>
  T* data() {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(data_);
  }
  template <class T>
  const T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<const T*>(data_);
  }

  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;
  // Element i converted to double / int64 whatever the dtype (for shapes, scalars, printing).
  double as_double(int64_t i) const;
  int64_t as_int64(int64_t i) const;
  std::vector<int64_t> to_int64_vector() const;

 private:
  void check_dtype(DType want) const;

  DType dtype_ = DType::kFloat32;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

}  // namespace octet
