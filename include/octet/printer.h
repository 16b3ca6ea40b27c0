// The tabular view of a Graph (`octet inspect`, src/ir/printer.cc): one row per node with its inputs and outputs
// (shape and dtype), key attributes and, on QuantizeLinear/DequantizeLinear, scale and zero point;
// then totals: nodes per op, parameters, weight bytes, and MACs of Conv/ConvTranspose/Gemm/MatMul.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

struct ValueType {
  DType dtype = DType::kFloat32;
  Shape shape;  // a negative dim is unknown
};

struct GraphTotals {
  std::map<std::string, int> nodes_per_op;
  int64_t parameters = 0;    // elements of all initializers
  int64_t weight_bytes = 0;  // bytes of all initializers
  int64_t macs = 0;          // of Conv, ConvTranspose, Gemm, MatMul where shapes are known
  int macs_unknown = 0;      // such nodes whose shapes are not known
};

// Whether `n` is a multiply-accumulate op (Conv, Gemm, MatMul and their fused, lowered and integer
// forms), and its multiply-accumulates given the value types (-1 when a shape is unknown).
bool counts_macs(const Node& n);
int64_t node_macs(const Node& n, const std::map<std::string, ValueType>& types);

// `types` holds what is known of each value (from a shape probe or ONNX shape inference).
GraphTotals graph_totals(const Graph& g, const std::map<std::string, ValueType>& types);
std::string format_graph_table(const Graph& g, const std::map<std::string, ValueType>& types);
// The same as JSON text (`octet inspect --json`), indented by 2.
std::string graph_to_json(const Graph& g, const std::map<std::string, ValueType>& types);

}  // namespace octet
