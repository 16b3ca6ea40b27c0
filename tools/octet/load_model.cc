#include "load_model.h"

#include "octet/quantize.h"
#include "octet/runtime.h"
#include "onnx/import.h"

namespace octet::cli {

Graph load_model(const std::string& path, bool as_written, std::vector<std::string>* files_read) {
  Graph g = load_onnx(path, files_read);
  if (as_written) return g;
  return is_quantized(g) ? lower(g) : optimize_for_inference(g);
}

}  // namespace octet::cli
