// ONNX export: Graph -> ModelProto (the inverse of import.h), and an atomic save. Quantized
// graphs are QDQ graphs (DESIGN.md), so this one writer serves fp32, QDQ and dynamic models.
#pragma once

#include <string>

#include "octet/graph.h"
#include "octet/model.h"

namespace onnx {
class ModelProto;
}

namespace octet {

// save_onnx and save_onnx_bytes are declared in octet/model.h.
onnx::ModelProto export_onnx(const Graph& g);

}  // namespace octet
