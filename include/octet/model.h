// ONNX model files in and out (src/onnx/import.cc, export.cc): a Graph from a path or from the
// bytes of a ModelProto, and back. Every failure is an octet::Error naming the file (or `what`)
// and the node or tensor at fault: an unreadable, truncated, corrupt or invalid model.
#pragma once

#include <string>
#include <vector>

#include "octet/graph.h"

namespace octet {

// Loads `path`. External data resolves against the model's folder (and may not leave it).
// `files_read`, when given, receives `path` and every external data file the model read (so a
// writer can refuse to overwrite any of them).
Graph load_onnx(const std::string& path, std::vector<std::string>* files_read = nullptr);

// Loads a serialized ModelProto held in memory; `what` names it in messages. External data
// resolves against `external_data_dir` (and may not leave it).
Graph load_onnx_bytes(const std::string& bytes, const std::string& what = "the model bytes",
                      const std::string& external_data_dir = ".");

// Writes `path` atomically (temp file, then rename). Weights are stored inline (raw_data);
// octet::Error if the model would exceed protobuf's 2 GiB limit.
void save_onnx(const Graph& g, const std::string& path);

// The serialized ModelProto save_onnx writes.
std::string save_onnx_bytes(const Graph& g);

}  // namespace octet
