// libFuzzer harness: bytes -> onnx::ModelProto -> octet::import_onnx (validation, ONNX's checker
// and shape inference, tensors and external data read against the scratch folder). An
// octet::Error is the expected answer to a bad model; a crash, a sanitizer report or any other
// exception (it escapes and aborts) is a bug.
#include <onnx/onnx_pb.h>

#include "fuzz_model.h"
#include "onnx/import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx::ModelProto model;
  if (!octet::fuzz::parse_model(data, size, &model)) return -1;  // not a model: keep it out of the corpus
  try {
    octet::import_onnx(model, octet::fuzz::scratch_model_dir(), "fuzz");
  } catch (const octet::Error&) {
  }
  return 0;
}
