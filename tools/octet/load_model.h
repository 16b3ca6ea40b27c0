// How inspect, run, eval and bench load a model. To run it, a quantized model (QDQ form, or marked
// by quantize_dynamic) is lowered onto the INT8 kernels and an fp32 model gets
// optimize_for_inference (BN folded, bias and activation fusions), as ONNX Runtime's sessions do.
// `as_written` keeps the graph the file holds: inspect's default view, and --reference (a
// quantized model's float QDQ semantics).
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet::cli {

// `files_read` receives the model and its external data files (load_onnx).
Graph load_model(const std::string& path, bool as_written, std::vector<std::string>* files_read = nullptr);

}  // namespace octet::cli
