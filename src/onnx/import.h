// ONNX import: ModelProto -> Graph. Reads initializers (raw_data and typed fields), Constant
// nodes' tensors, external data (confined to the model's folder), subgraphs (If), opsets 11-21,
// and records declared and inferred (onnx::shape_inference) value types for `octet inspect`.
#pragma once

#include <string>

#include "octet/graph.h"

namespace onnx {
class ModelProto;
class TensorProto;
}  // namespace onnx

namespace octet {

// Loads `path`; octet::Error naming the file for an unreadable, truncated or corrupt model.
Graph load_onnx(const std::string& path);
// `base_dir` resolves external data; `what` names the model in messages.
Graph import_onnx(const onnx::ModelProto& model, const std::string& base_dir, const std::string& what);
// Re-derives the shapes of g's intermediate values (g.value_info) with ONNX's shape inference, for
// a pass that made more of them static (fold_constants after fold_shapes). Best effort: a graph
// the inference cannot handle keeps the shapes it has.
void infer_shapes(Graph& g);
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what);
DType dtype_from_onnx(int onnx_type, const std::string& what);
int dtype_to_onnx(DType t);

}  // namespace octet
