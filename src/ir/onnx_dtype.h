// ONNX's element type codes (TensorProto.DataType in onnx.proto) <-> octet's DType. The codes are
// part of the graph, not only of the file: attributes such as Cast's `to` hold them, so ops read
// them through this header, and onnx/import checks the codes against the protobuf enum.
#pragma once

#include <string>

#include "octet/tensor.h"

namespace octet {

// The ONNX codes octet reads and writes, as numbered in onnx.proto's TensorProto.DataType.
enum OnnxDataType : int {
  kOnnxUndefined = 0,
  kOnnxFloat = 1,
  kOnnxUInt8 = 2,
  kOnnxInt8 = 3,
  kOnnxUInt16 = 4,
  kOnnxInt16 = 5,
  kOnnxInt32 = 6,
  kOnnxInt64 = 7,
  kOnnxBool = 9,
  kOnnxFloat16 = 10,
  kOnnxDouble = 11,
  kOnnxUInt32 = 12,
  kOnnxUInt64 = 13,
};

// octet::Error "<what>: unsupported dtype <NAME> (ONNX type <code>)" for a code octet has no
// DType for (strings, bfloat16, the 8- and 4-bit floats, complex) or that is no ONNX type.
DType dtype_from_onnx(int onnx_type, const std::string& what);
int dtype_to_onnx(DType t);

}  // namespace octet
