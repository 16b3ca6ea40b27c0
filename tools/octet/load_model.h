// How run, eval and bench load a model: a quantized model (QDQ form, or marked by
// quantize_dynamic) is lowered onto the INT8 kernels unless the float reference is asked for; an
// fp32 model gets optimize_for_inference (BN folded), as ONNX Runtime's sessions do.
#pragma once

#include <string>

#include "octet/graph.h"

namespace octet::cli {

Graph load_model(const std::string& path, bool float_reference);

}  // namespace octet::cli
