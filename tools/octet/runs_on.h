// Where the work of a model as octet runs it goes: each node of a lowered graph runs on the INT8
// kernels, as a float op, as a layout change (Transpose) or as a quantize / dequantize step. The
// summary quantize and inspect --lowered print (share of nodes and of multiply-accumulates on the
// INT8 kernels, every float op with its reason) and bench --profile's last line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/printer.h"

namespace octet::cli {

enum class RunsOn { kInt8, kFloat, kLayout, kQdq };
const char* runs_on_name(RunsOn r);  // "INT8 kernels", "float ops", "layout changes", "Q/DQ"

// `output` is the dtype of the node's first output: 8-bit outputs of other ops (Reshape, MaxPool,
// Resize on codes) are INT8 work too.
RunsOn runs_on(const Node& n, DType output);

// Shapes and dtypes of every value of `g`: declared ones, then those of a probe run on synthesized
// inputs (unknown dims bound by `dims`, else 1). `note` says which, and why a probe failed.
// `run_error`, when given, receives the error of a probe that had inputs and failed to run (the
// model does not run), and stays empty when there was no probe (an input without a shape).
std::map<std::string, ValueType> probe_value_types(const Graph& g, const std::map<std::string, int64_t>& dims,
                                                   std::string* note, std::string* run_error = nullptr);

// "runs on INT8 kernels: N of M compute nodes, P % of the multiply-accumulates", then the float ops
// computing on float tensors, grouped by op type and reason (`reasons` by node name, e.g. the
// quantizer's; else what the graph shows: a QDQ unit no INT8 kernel takes, or a float value), each
// group naming its first `names_shown` nodes.
std::string lowering_summary(const Graph& lowered, const std::map<std::string, ValueType>& types,
                             const std::map<std::string, std::string>& reasons = {}, size_t names_shown = 3);

}  // namespace octet::cli
