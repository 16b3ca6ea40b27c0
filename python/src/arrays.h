// NumPy arrays to octet::Tensor and back for the Python bindings (docs/python.md, "Arrays").
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <map>
#include <string>

#include "octet/tensor.h"

namespace octet::python {

using Array = nanobind::ndarray<nanobind::numpy, nanobind::device::cpu, nanobind::c_contig>;

// A Tensor over the array's memory when it has the alignment and the padding of octet's own
// tensors (64-byte aligned, whole 64-byte blocks: the kernels may read a block to its end), else
// a copy. `name` names the array in the error for a dtype octet has no type for. Needs the GIL.
Tensor to_tensor(const Array& array, const std::string& name);
std::map<std::string, Tensor> to_tensors(const std::map<std::string, Array>& arrays);

// A NumPy array over the tensor's storage (no copy; the array keeps the storage alive). Needs the GIL.
nanobind::object to_numpy(const Tensor& tensor);

}  // namespace octet::python
