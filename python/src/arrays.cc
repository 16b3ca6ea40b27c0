#include "arrays.h"

#include <cstdint>
#include <cstring>
#include <utility>

namespace nb = nanobind;

namespace octet::python {

namespace {

using nb::dlpack::dtype_code;

struct DTypePair {
  DType octet;
  nb::dlpack::dtype numpy;
};

constexpr nb::dlpack::dtype dl(dtype_code code, int bits) {
  return {static_cast<uint8_t>(code), static_cast<uint8_t>(bits), 1};
}

constexpr DTypePair kDTypes[] = {
    {DType::kFloat32, dl(dtype_code::Float, 32)}, {DType::kFloat64, dl(dtype_code::Float, 64)},
    {DType::kFloat16, dl(dtype_code::Float, 16)}, {DType::kInt8, dl(dtype_code::Int, 8)},
    {DType::kUInt8, dl(dtype_code::UInt, 8)},     {DType::kInt16, dl(dtype_code::Int, 16)},
    {DType::kUInt16, dl(dtype_code::UInt, 16)},   {DType::kInt32, dl(dtype_code::Int, 32)},
    {DType::kInt64, dl(dtype_code::Int, 64)},     {DType::kUInt32, dl(dtype_code::UInt, 32)},
    {DType::kUInt64, dl(dtype_code::UInt, 64)},   {DType::kBool, dl(dtype_code::Bool, 8)},
};

constexpr uintptr_t kBlock = 64;  // octet's tensor alignment and allocation granule (src/core/tensor.cc)

}  // namespace

Tensor to_tensor(const Array& array, const std::string& name) {
  const DTypePair* pair = nullptr;
  for (const DTypePair& p : kDTypes) pair = p.numpy == array.dtype() ? &p : pair;
  OCTET_CHECK(pair, "array '", name, "': octet has no type for its dtype (dlpack code ", int(array.dtype().code), ", ",
              int(array.dtype().bits), " bits); pass float32, float64, float16, an integer type or bool");
  Shape shape;
  for (size_t d = 0; d < array.ndim(); ++d) shape.push_back(static_cast<int64_t>(array.shape(d)));
  const auto address = reinterpret_cast<uintptr_t>(array.data());
  if (array.nbytes() > 0 && address % kBlock == 0 && array.nbytes() % kBlock == 0) {
    // The tensor holds a reference to the array; dropping it may happen on a thread without the GIL.
    auto* held = new Array(array);
    std::shared_ptr<void> owner(held, [](void* p) {
      nb::gil_scoped_acquire gil;
      delete static_cast<Array*>(p);
    });
    return Tensor(pair->octet, std::move(shape), std::move(owner), const_cast<void*>(array.data()));
  }
  Tensor copy(pair->octet, std::move(shape));  // zero-filled to the end of its last block, as octet's own
  if (copy.nbytes()) std::memcpy(copy.raw(), array.data(), copy.nbytes());
  return copy;
}

std::map<std::string, Tensor> to_tensors(const std::map<std::string, Array>& arrays) {
  std::map<std::string, Tensor> tensors;
  for (const auto& [name, array] : arrays) tensors.emplace(name, to_tensor(array, name));
  return tensors;
}

nb::object to_numpy(const Tensor& tensor) {
  const DTypePair* pair = nullptr;
  for (const DTypePair& p : kDTypes) pair = p.octet == tensor.dtype() ? &p : pair;
  std::vector<size_t> shape(tensor.shape().begin(), tensor.shape().end());
  auto* held = new Tensor(tensor);
  nb::capsule owner(held, [](void* p) noexcept { delete static_cast<Tensor*>(p); });
  return nb::ndarray<nb::numpy>(held->raw(), shape.size(), shape.data(), owner, nullptr, pair->numpy).cast();
}

}  // namespace octet::python
