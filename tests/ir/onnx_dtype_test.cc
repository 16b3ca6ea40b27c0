#include "ir/onnx_dtype.h"

#include <gtest/gtest.h>

#include "octet/error.h"

namespace octet {
namespace {

TEST(OnnxDtype, EveryDTypeRoundTrips) {
  for (DType t : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8, DType::kUInt8, DType::kInt16,
                  DType::kUInt16, DType::kInt32, DType::kInt64, DType::kUInt32, DType::kUInt64, DType::kBool})
    EXPECT_EQ(dtype_from_onnx(dtype_to_onnx(t), "t"), t) << dtype_name(t);
}

TEST(OnnxDtype, CodesAreOnnxProtos) {
  // onnx.proto, TensorProto.DataType.
  EXPECT_EQ(dtype_to_onnx(DType::kFloat32), 1);
  EXPECT_EQ(dtype_to_onnx(DType::kUInt8), 2);
  EXPECT_EQ(dtype_to_onnx(DType::kInt8), 3);
  EXPECT_EQ(dtype_to_onnx(DType::kInt64), 7);
  EXPECT_EQ(dtype_to_onnx(DType::kBool), 9);
  EXPECT_EQ(dtype_to_onnx(DType::kFloat16), 10);
}

TEST(OnnxDtype, UnsupportedTypesAreNamed) {
  auto message = [](int code) {
    try {
      dtype_from_onnx(code, "node 'c' (Cast)");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(16), "node 'c' (Cast): unsupported dtype BFLOAT16 (ONNX type 16)");
  EXPECT_EQ(message(8), "node 'c' (Cast): unsupported dtype STRING (ONNX type 8)");
  EXPECT_EQ(message(99), "node 'c' (Cast): unsupported dtype unknown (ONNX type 99)");
  EXPECT_EQ(message(-1), "node 'c' (Cast): unsupported dtype unknown (ONNX type -1)");
}

}  // namespace
}  // namespace octet
