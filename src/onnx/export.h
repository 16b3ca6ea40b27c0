// ONNX export: Graph -> ModelProto (the inverse of import.h), and an atomic save. Quantized
// graphs are QDQ graphs (DESIGN.md), so this one writer serves fp32, QDQ and dynamic models.
#pragma once

#include <string>

#include "octet/graph.h"

namespace onnx {
class ModelProto;
}

namespace octet {

onnx::ModelProto export_onnx(const Graph& g);
// Writes `path` atomically (temp file, then rename). Weights are stored inline (raw_data);
// octet::Error if the model would exceed protobuf's 2 GiB limit.
void save_onnx(const Graph& g, const std::string& path);

}  // namespace octet
