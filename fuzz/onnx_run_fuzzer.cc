// libFuzzer harness: bytes -> onnx::ModelProto -> octet::import_onnx, then one inference on small
// inputs, twice: on the graph as written (the --reference path), and as the CLI runs it (lowered
// onto the INT8 kernels when quantized, optimize_for_inference otherwise). An octet::Error is the
// expected answer to a model octet cannot run; a crash, a sanitizer report, any other exception,
// a timeout or running out of memory is a bug (a small model asking for a huge tensor must be
// refused with an octet::Error).
#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <string>

#include "fuzz_model.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "onnx/import.h"

namespace {

using octet::DType;
using octet::Graph;
using octet::Tensor;

// Inputs larger than this in total are not run: the harness looks for bugs, not slow models.
constexpr size_t kMaxInputBytes = size_t{1} << 20;

// Element i of every input: floats cycle through -1, -0.5, 0, 0.5, 1; signed integers through
// -1, 0, 1 (valid indices into most dims, and still the negative-index paths); unsigned
// integers and bools through 0, 1.
void fill(Tensor& t) {
  constexpr uint16_t kHalves[] = {0xbc00, 0xb800, 0x0000, 0x3800, 0x3c00};  // the floats as IEEE halves
  void* p = t.raw();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double f = static_cast<double>(i % 5 - 2) * 0.5;
    const int64_t k = i % 3 - 1, u = i % 2;
    switch (t.dtype()) {
      case DType::kFloat32: static_cast<float*>(p)[i] = static_cast<float>(f); break;
      case DType::kFloat64: static_cast<double*>(p)[i] = f; break;
      case DType::kFloat16: static_cast<uint16_t*>(p)[i] = kHalves[i % 5]; break;
      case DType::kInt8: static_cast<int8_t*>(p)[i] = static_cast<int8_t>(k); break;
      case DType::kInt16: static_cast<int16_t*>(p)[i] = static_cast<int16_t>(k); break;
      case DType::kInt32: static_cast<int32_t*>(p)[i] = static_cast<int32_t>(k); break;
      case DType::kInt64: static_cast<int64_t*>(p)[i] = k; break;
      case DType::kUInt8:
      case DType::kBool: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>(u); break;
      case DType::kUInt16: static_cast<uint16_t*>(p)[i] = static_cast<uint16_t>(u); break;
      case DType::kUInt32: static_cast<uint32_t*>(p)[i] = static_cast<uint32_t>(u); break;
      case DType::kUInt64: static_cast<uint64_t*>(p)[i] = static_cast<uint64_t>(u); break;
    }
  }
}

// One tensor per graph input. An unknown dim named by a symbol is 2 (inputs that share the symbol
// agree), an anonymous one 1. Nothing when an input's rank is unknown or the inputs would exceed
// kMaxInputBytes.
std::optional<std::map<std::string, Tensor>> small_inputs(const Graph& g) {
  std::map<std::string, Tensor> feeds;
  size_t total = 0;
  for (const octet::ValueInfo& in : g.inputs) {
    if (!in.has_shape) return std::nullopt;
    octet::Shape shape;
    size_t bytes = octet::dtype_size(in.dtype);
    for (const octet::Dim& d : in.shape) {
      const int64_t n = d.known() ? d.value : d.symbol.empty() ? 1 : 2;
      if (n > 0 && bytes > kMaxInputBytes / static_cast<size_t>(n)) return std::nullopt;
      bytes *= static_cast<size_t>(n);
      shape.push_back(n);
    }
    total += bytes;
    if (total > kMaxInputBytes) return std::nullopt;
    Tensor t(in.dtype, shape);
    fill(t);
    feeds[in.name] = t;
  }
  return feeds;
}

void run(const Graph& g, const std::map<std::string, Tensor>& feeds) {
  try {
    octet::Executor(g).run(feeds);
  } catch (const octet::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx::ModelProto model;
  if (!octet::fuzz::parse_model(data, size, &model)) return -1;  // not a model: keep it out of the corpus
  Graph g;
  try {
    g = octet::import_onnx(model, octet::fuzz::scratch_model_dir(), "fuzz");
  } catch (const octet::Error&) {
    return 0;
  }
  const auto feeds = small_inputs(g);
  if (!feeds) return 0;
  run(g, *feeds);
  Graph prepared;
  try {
    prepared = octet::is_quantized(g) ? octet::lower(g) : octet::optimize_for_inference(g);
  } catch (const octet::Error&) {
    return 0;
  }
  run(prepared, *feeds);
  return 0;
}
