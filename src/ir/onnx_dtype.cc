#include "ir/onnx_dtype.h"

#include "octet/error.h"

namespace octet {

namespace {

// Every TensorProto.DataType name by code (onnx.proto, IR version 10), for the error message.
const char* onnx_type_name(int code) {
  static const char* const kNames[] = {"UNDEFINED",      "FLOAT",    "UINT8",        "INT8",           "UINT16",
                                       "INT16",          "INT32",    "INT64",        "STRING",         "BOOL",
                                       "FLOAT16",        "DOUBLE",   "UINT32",       "UINT64",         "COMPLEX64",
                                       "COMPLEX128",     "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                       "FLOAT8E5M2FNUZ", "UINT4",    "INT4",         "FLOAT4E2M1"};
  return code >= 0 && code < int(std::size(kNames)) ? kNames[code] : "unknown";
}

}  // namespace

DType dtype_from_onnx(int t, const std::string& what) {
  switch (t) {
    case kOnnxFloat: return DType::kFloat32;
    case kOnnxUInt8: return DType::kUInt8;
    case kOnnxInt8: return DType::kInt8;
    case kOnnxUInt16: return DType::kUInt16;
    case kOnnxInt16: return DType::kInt16;
    case kOnnxInt32: return DType::kInt32;
    case kOnnxInt64: return DType::kInt64;
    case kOnnxBool: return DType::kBool;
    case kOnnxFloat16: return DType::kFloat16;
    case kOnnxDouble: return DType::kFloat64;
    case kOnnxUInt32: return DType::kUInt32;
    case kOnnxUInt64: return DType::kUInt64;
    default: break;
  }
  fail(what, ": unsupported dtype ", onnx_type_name(t), " (ONNX type ", t, ")");
}

int dtype_to_onnx(DType t) {
  switch (t) {
    case DType::kFloat32: return kOnnxFloat;
    case DType::kFloat64: return kOnnxDouble;
    case DType::kFloat16: return kOnnxFloat16;
    case DType::kInt8: return kOnnxInt8;
    case DType::kUInt8: return kOnnxUInt8;
    case DType::kInt16: return kOnnxInt16;
    case DType::kUInt16: return kOnnxUInt16;
    case DType::kInt32: return kOnnxInt32;
    case DType::kInt64: return kOnnxInt64;
    case DType::kUInt32: return kOnnxUInt32;
    case DType::kUInt64: return kOnnxUInt64;
    case DType::kBool: return kOnnxBool;
  }
  return kOnnxUndefined;
}

}  // namespace octet
