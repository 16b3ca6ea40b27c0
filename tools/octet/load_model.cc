#include "load_model.h"

#include "octet/quantize.h"
#include "octet/runtime.h"
#include "onnx/import.h"

namespace octet::cli {

Graph load_model(const std::string& path, bool float_reference) {
  Graph g = load_onnx(path);
  if (!is_quantized(g)) return optimize_for_inference(g);
  return float_reference ? g : lower(g);
}

}  // namespace octet::cli
