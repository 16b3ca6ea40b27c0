#include "load_model.h"

#include "octet/model.h"
#include "octet/quantize.h"

namespace octet::cli {

Graph load_model(const std::string& path, bool as_written, std::vector<std::string>* files_read) {
  Graph g = load_onnx(path, files_read);
  return as_written ? g : lower_or_optimize(g);
}

}  // namespace octet::cli
