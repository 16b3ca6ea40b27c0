#include "passes/upgrade_opset.h"

#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cmath>

#include "octet/error.h"
#include "octet/runtime.h"
#include "onnx/export.h"
#include "onnx/import.h"

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
  Graph converted;
  try {
    const onnx::ModelProto proto = onnx::version_conversion::ConvertVersion(export_onnx(model), kPerAxisOpset);
    converted = import_onnx(proto, "", "the model raised to opset 13");
  } catch (const std::exception& e) {
    return keep(std::string("ONNX's version converter failed (") + e.what() + ")");
  }
  try {
    if (probe.empty()) probe = synthesize_inputs(model, bind_input_shapes(model, {}, 1));
    const double diff = output_difference(Executor(model).run(probe), Executor(converted).run(probe));
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
