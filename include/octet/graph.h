// Graph: octet's in-memory model. Nodes refer to values by name (as in ONNX); constants live in
// `initializers`. A Graph is plain data: importers build it, passes rewrite it, the Executor runs it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet {

struct Graph;

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kTensor, kGraph, kInts, kFloats, kStrings };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
};

// The domain of octet's own ops: the fused float ops (ConvPostOps, MatMulBias, AddLayerNorm, ...) and
// the INT8 ops lowering makes (docs/lowering.md). A graph using them imports this domain.
inline constexpr const char* kOctetDomain = "com.octet";

struct Node {
  std::string name;                  // unique within its graph (the importer names unnamed nodes)
  std::string op_type;               // "Conv"
  std::string domain;                // "" for the default ONNX domain
  int opset = 0;                     // the opset version of `domain` the model imports
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::map<std::string, Attribute> attrs;

  const Attribute* find_attr(const std::string& key) const;
  bool has_attr(const std::string& key) const { return find_attr(key) != nullptr; }
  // Typed getters: the default when absent; octet::Error naming the node when of the wrong kind.
  int64_t attr_int(const std::string& key, int64_t def) const;
  float attr_float(const std::string& key, float def) const;
  std::string attr_string(const std::string& key, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& key, const std::vector<int64_t>& def = {}) const;
  std::vector<float> attr_floats(const std::string& key, const std::vector<float>& def = {}) const;
  // "node 'conv1' (op 'Conv', opset 17)" — the prefix of every error about this node.
  std::string describe() const;
  size_t num_inputs() const;  // inputs present, counting up to the last non-empty one
  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
};

// A dimension of a declared shape: a fixed size, or a symbolic/unknown one (value < 0).
struct Dim {
  int64_t value = -1;
  std::string symbol;  // "batch", "sequence", or empty
  bool known() const { return value >= 0; }
};

struct ValueInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  bool has_shape = false;  // false: rank unknown
  std::vector<Dim> shape;
  bool inferred = false;          // derived by shape inference on import, not declared: not written back
  std::string shape_str() const;  // "[batch,3,224,224]", "?" when unknown
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::map<std::string, Tensor> initializers;
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
  std::map<std::string, ValueInfo> value_info;  // known types/shapes of intermediate values
  std::map<std::string, int> opsets;            // domain -> version ("" is ai.onnx)
  int ir_version = 8;
  std::string producer;
  // ModelProto.metadata_props: kept through import and export. octet's quantizer records its
  // choices here under keys starting with "octet." (e.g. the nodes quantized dynamically).
  std::map<std::string, std::string> metadata;

  // Looks up the declared type of a value: graph input, output, value_info or initializer.
  const ValueInfo* find_value_info(const std::string& name) const;
  const Tensor* find_initializer(const std::string& name) const;
};

}  // namespace octet
