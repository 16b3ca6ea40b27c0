// ONNX import: ModelProto -> Graph. Reads initializers (raw_data and typed fields), Constant
// nodes' tensors, external data (confined to the model's folder), subgraphs (If), opsets 1-22,
// and records declared and inferred (onnx::shape_inference) value types for `octet inspect`.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ir/onnx_dtype.h"
#include "octet/graph.h"
#include "octet/model.h"

namespace onnx {
class ModelProto;
class TensorProto;
}  // namespace onnx

namespace octet {

// load_onnx and load_onnx_bytes are declared in octet/model.h.
// Validates (onnx/validate.h), then imports. `base_dir` resolves external data; `what` names the model in messages;
// `files_read` receives the external data files read.
Graph import_onnx(const onnx::ModelProto& model, const std::string& base_dir, const std::string& what,
                  std::set<std::string>* files_read = nullptr);
// Re-derives the shapes of g's intermediate values (g.value_info) with ONNX's shape inference, for
// a pass that made more of them static (fold_constants after fold_shapes). Best effort: a graph
// the inference cannot handle keeps the shapes it has.
void infer_shapes(Graph& g);
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what,
                         std::set<std::string>* files_read = nullptr);

}  // namespace octet
