#include "passes/upgrade_opset.h"

#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "octet/error.h"
#include "octet/runtime.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "passes/graph_util.h"

namespace octet {

namespace {

// The largest difference between the two models' float outputs, relative to the largest
// magnitude of the original's; a non-float output must be equal (else infinity).
double output_difference(const std::map<std::string, Tensor>& want, const std::map<std::string, Tensor>& got) {
  double worst = 0;
  for (const auto& [name, w] : want) {
    auto it = got.find(name);
    if (it == got.end() || it->second.numel() != w.numel() || it->second.dtype() != w.dtype()) return INFINITY;
    double scale = 0, diff = 0;
    for (int64_t i = 0; i < w.numel(); ++i) {
      const double a = w.as_double(i), b = it->second.as_double(i);
      if (std::isnan(a) != std::isnan(b)) return INFINITY;
      if (std::isnan(a)) continue;
      scale = std::max(scale, std::abs(a));
      diff = std::max(diff, std::abs(a - b));
    }
    if (w.dtype() != DType::kFloat32 && diff != 0) return INFINITY;
    worst = std::max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}

// Softmax, LogSoftmax and Hardmax before opset 13 flatten their input from `axis` on; from 13 they
// normalize one axis. ONNX's adapter writes the old op as the new one alone when `axis` is the last
// axis, and otherwise wraps it in Flatten and a Reshape to the input's shape, which it needs to
// know: it fails ("input shape is unknown") where shape inference cannot follow the graph (a
// Paddle export's attention scores, after Reshapes by computed shapes). Where a run of the model
// showed that the axis is the input's last, the axis is written as -1, which the adapter takes
// whatever it knows of the shape.
const std::set<std::string> kFlatteningNormalizers = {"Softmax", "LogSoftmax", "Hardmax"};

bool flattens_from_axis(const Node& n) {
  return n.domain.empty() && n.opset < kPerAxisOpset && kFlatteningNormalizers.count(n.op_type) > 0;
}

// `model` with the axis of every flattening normalizer whose input has rank r (`ranks`, as observed)
// and axis r - 1 written as -1: the same function (a negative axis is valid from opset 11; the
// adapter, the only reader of the older ops here, normalizes it the same way).
Graph with_last_axis_as_minus_one(const Graph& model, const std::map<std::string, size_t>& ranks) {
  Graph g = model;
  for (Node& n : g.nodes) {
    if (!flattens_from_axis(n) || !ranks.count(n.inputs[0])) continue;
    const auto rank = static_cast<int64_t>(ranks.at(n.inputs[0]));
    const int64_t axis = n.attr_int("axis", 1);
    if (axis == rank - 1) n.attrs["axis"] = int_attr(-1);
  }
  return g;
}

}  // namespace

OpsetUpgrade upgrade_for_per_axis(const Graph& model, std::map<std::string, Tensor> probe) {
  const int opset = model.opsets.count("") ? model.opsets.at("") : 1;
  OpsetUpgrade result{model, false, ""};
  if (opset >= kPerAxisOpset) return result;
  const std::string from = "opset " + std::to_string(opset);
  auto keep = [&](const std::string& why) {
    result.note = from + " kept: " + why + "; weights per tensor (per-axis DequantizeLinear needs opset 13)";
    return result;
  };
  std::map<std::string, Tensor> want;
  std::map<std::string, size_t> ranks;  // of the values flattening normalizers read
  try {
    if (probe.empty()) probe = synthesize_inputs(model, bind_input_shapes(model, {}, 1));
    std::set<std::string> read;
    for (const Node& n : model.nodes)
      if (flattens_from_axis(n)) read.insert(n.inputs[0]);
    Executor original(model);
    original.add_hook([&](const Node*, const std::string& value, const Tensor& t) {
      if (read.count(value)) ranks[value] = t.shape().size();
    });
    want = original.run(probe);
  } catch (const std::exception& e) {
    return keep(std::string("the model could not be run to check a conversion (") + e.what() + ")");
  }
  Graph converted;
  try {
    const onnx::ModelProto proto =
        onnx::version_conversion::ConvertVersion(export_onnx(with_last_axis_as_minus_one(model, ranks)), kPerAxisOpset);
    converted = import_onnx(proto, "", "the model raised to opset 13");
  } catch (const std::exception& e) {
    return keep(std::string("ONNX's version converter failed (") + e.what() + ")");
  }
  try {
    const double diff = output_difference(want, Executor(converted).run(probe));
    if (!(diff <= 1e-4))
      return keep("the converted model's outputs differ from the original's (" + std::to_string(diff) + " relative)");
  } catch (const std::exception& e) {
    return keep(std::string("the converted model could not be checked (") + e.what() + ")");
  }
  result.graph = std::move(converted);
  result.upgraded = true;
  result.note = from + " raised to 13 for per-channel weights (ONNX's version converter; the float outputs match)";
  return result;
}

}  // namespace octet
