#include "load_model.h"

#include "octet/quantize.h"
#include "onnx/import.h"

namespace octet::cli {

Graph load_model(const std::string& path, bool float_reference) {
  Graph g = load_onnx(path);
  if (float_reference || !is_quantized(g)) return g;
  return lower(g);
}

}  // namespace octet::cli
