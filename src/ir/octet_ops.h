// The op types of domain com.octet (kOctetDomain), each written once, here. Their inputs,
// attributes and outputs are listed in docs/lowering.md ("Ops of domain com.octet").
//
// Naming: an op whose signature differs from the ONNX or ONNX Runtime (com.microsoft) op of the
// same name gets a name of its own, so that `octet inspect --lowered` and a profile cannot be read
// as the standard op. The INT8 ops lowering makes from QDQ units carry their qparams as attributes
// (ONNX's QLinearConv, QLinearMatMul and ONNX Runtime's QLinearAdd, QLinearConcat, ... take
// them as inputs), so they are Int8<Op>, never QLinear<Op>; the QLinear* ops of files octet reads or
// writes keep their standard names and domain. ONNX Runtime's FusedConv takes its activation's
// parameters as activation_params; octet's convolution with a residual and an activation fused
// takes them by name and knows more activations, so it is ConvPostOps. Gelu keeps its name: it is
// ONNX's Gelu (opset 20, attribute approximate), given to models of older opsets.
#pragma once

namespace octet::octet_op {

// INT8 ops of static lowering (passes/lower_static.cc, src/ops/int8_*.cc): uint8 activations.
inline constexpr const char* kInt8Prefix = "Int8";
inline constexpr const char* kInt8Conv = "Int8Conv";
inline constexpr const char* kInt8ConvTranspose = "Int8ConvTranspose";
inline constexpr const char* kInt8MatMul = "Int8MatMul";
inline constexpr const char* kInt8Add = "Int8Add";
inline constexpr const char* kInt8Mul = "Int8Mul";
inline constexpr const char* kInt8Concat = "Int8Concat";
inline constexpr const char* kInt8AveragePool = "Int8AveragePool";
inline constexpr const char* kInt8GlobalAveragePool = "Int8GlobalAveragePool";
inline constexpr const char* kInt8MaxPool = "Int8MaxPool";
inline constexpr const char* kInt8Lookup = "Int8Lookup";

// INT8 ops of dynamic lowering (passes/lower_dynamic.cc): float in and out, activations
// quantized per call.
inline constexpr const char* kDynamicQuantPrefix = "DynamicQuant";
inline constexpr const char* kDynamicQuantMatMul = "DynamicQuantMatMul";
inline constexpr const char* kDynamicQuantLSTM = "DynamicQuantLSTM";
inline constexpr const char* kDynamicQuantGRU = "DynamicQuantGRU";

// Fused float ops (the passes/fuse_*.cc that make them). ConvPostOps: a Conv with oneDNN post-ops,
// the sum of a residual input and an activation (ops/conv.cc).
inline constexpr const char* kConvPostOps = "ConvPostOps";
inline constexpr const char* kMatMulBias = "MatMulBias";
inline constexpr const char* kTransposedMatMul = "TransposedMatMul";
inline constexpr const char* kAddLayerNorm = "AddLayerNorm";
inline constexpr const char* kMaskedSoftmax = "MaskedSoftmax";
inline constexpr const char* kGelu = "Gelu";

}  // namespace octet::octet_op
