// What the two ONNX harnesses share: fuzzer bytes -> ModelProto, read as load_onnx reads a file,
// and a scratch folder for a model's external data to resolve against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace onnx {
class ModelProto;
}

namespace octet::fuzz {

// False when the bytes are not a protobuf ModelProto (the fuzzer's most common input).
bool parse_model(const uint8_t* data, size_t size, onnx::ModelProto* model);

// A folder made once per process, removed at exit, holding "weights.bin" (kWeightsBytes bytes):
// external data that names it is read; anything else it names is missing or escapes the folder.
inline constexpr size_t kWeightsBytes = 1024;
const std::string& scratch_model_dir();

}  // namespace octet::fuzz
