// Validation of an ONNX model. octet's structural checks hold for every opset and run first, so
// that no third-party code sees input that would crash it (ONNX shape inference divides by
// strides and block sizes; an op writes its outputs); ONNX's own checker follows, where libonnx
// knows the model's opset, before shape inference runs.
#pragma once

#include <string>

namespace onnx {
class GraphProto;
class ModelProto;
}  // namespace onnx

namespace octet {

// The structural checks, on a graph and its subgraphs: every node has an output, every value is
// defined once, strides/dilations/kernel shapes/block sizes/groups are positive and pads are not
// negative. octet::Error naming `what` (the model) and the node or value at fault.
void validate_structure(const onnx::GraphProto& graph, const std::string& what);

// ONNX's checker on every node (onnx::checker::check_node), for a model whose default-domain opset
// libonnx knows; octet::Error naming `what` with the checker's message. `base_dir` resolves
// external data in subgraphs.
void check_with_onnx_checker(const onnx::ModelProto& model, const std::string& base_dir, const std::string& what);

// Before ONNX shape inference, the ranks its rules index without checking: every convolution's
// input and weight, in the graph and its subgraphs, have the same rank, and a LayerNormalization's
// axis lies within its input's rank, as declared or as inferred with those ops left out.
// octet::Error naming `what` and the node.
void check_ranks_for_inference(const onnx::ModelProto& model, const std::string& what);

}  // namespace octet
