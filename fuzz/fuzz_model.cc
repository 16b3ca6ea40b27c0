#include "fuzz_model.h"

#include <onnx/onnx_pb.h>
#include <stdlib.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace octet::fuzz {

bool parse_model(const uint8_t* data, size_t size, onnx::ModelProto* model) {
  return size < INT_MAX && model->ParseFromArray(data, static_cast<int>(size));
}

namespace {

std::string make_scratch_dir() {
  std::string dir = (std::filesystem::temp_directory_path() / "octet-fuzz-XXXXXX").string();
  if (!mkdtemp(dir.data())) std::abort();
  std::ofstream weights(dir + "/weights.bin", std::ios::binary);
  for (size_t i = 0; i < kWeightsBytes; ++i) weights.put(static_cast<char>(i * 37 + 11));
  return dir;
}

}  // namespace

// The path is never freed: a static std::string would be destroyed before the exit handler that
// removes the folder runs (they run in reverse order of registration).
const std::string& scratch_model_dir() {
  static const std::string* dir = [] {
    auto* d = new std::string(make_scratch_dir());
    std::atexit([] { std::filesystem::remove_all(scratch_model_dir()); });
    return d;
  }();
  return *dir;
}

}  // namespace octet::fuzz
