// octet::quantize_static (include/octet/quantize.h): fuse -> prepare -> calibrate -> convert,
// the static post-training quantization of the seeds (../shared/seeds/).
#include <algorithm>
#include <optional>

#include "octet/quantize.h"
#include "core/samples.h"
#include "passes/bias_correction.h"
#include "passes/convert.h"
#include "passes/float_tensors.h"
#include "passes/fuse.h"
#include "passes/prepare.h"
#include "passes/quantize_embeddings.h"
#include "quant/calibrate.h"
#include "quant/qconfig.h"

namespace octet {

namespace {

int64_t initializer_bytes(const Graph& g) {
  int64_t bytes = 0;
  for (const auto& [_, t] : g.initializers) bytes += static_cast<int64_t>(t.nbytes());
  return bytes;
}

}  // namespace

Graph quantize_static(const Graph& model, const std::map<std::string, Tensor>& calib,
                      const StaticQuantOptions& options, QuantizeReport* report) {
  OCTET_CHECK(options.act_dtype == DType::kUInt8 || options.act_dtype == DType::kInt8,
              "activation dtype must be u8 or s8, not ", dtype_name(options.act_dtype));
  quant::QConfig base = quant::default_qconfig();
  base.act_observer = options.observer;
  base.activation.dtype = options.act_dtype;
  base.activation.reduce_range = options.reduce_range;
  base.weight_per_channel = options.per_channel;
  make_observer(base.act_observer, base.activation);  // octet::Error listing the kinds if unknown
  quant::QConfigMapping mapping = options.config_json.empty()
                                      ? quant::QConfigMapping(base)
                                      : quant::QConfigMapping::from_json(options.config_json, base);
  for (const auto& name : options.exclude) {
    bool found = std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; });
    OCTET_CHECK(found, "--exclude: the model has no node named '", name, "'");
    mapping.set_name(name, std::nullopt);
  }

  check_finite(calib, "calibration data");
  Graph fused = model;
  fuse_for_static_quantization(fused);
  if (!options.config_json.empty()) mapping.check_matches({&model, &fused});
  QuantPlan plan = prepare(fused, mapping);
  if (options.bias_correction) add_missing_biases(fused, plan);
  const DataLayout layout = resolve_data_layout(model, calib, options.calib_layout, "calibration data");
  quant::CalibrationOptions copts{options.samples, options.batch, options.threads, nullptr, layout};
  quant::CalibrationOptions bc_opts{options.bias_correction_samples, options.batch, options.threads, nullptr, layout};
  const int64_t calib_samples = quant::calibration_samples(fused, calib, copts);
  const int64_t bc_samples = options.bias_correction ? quant::calibration_samples(fused, calib, bc_opts) : 0;
  // Bias correction's float means come from the calibration pass when it runs the same samples.
  std::optional<BiasReference> reference;
  const int bc_passes = options.bias_correction ? bias_correction_passes(fused, plan) : 0;
  if (bc_passes > 0 && bc_samples == calib_samples) reference.emplace(fused, plan);
  // Progress over calibration and the bias correction passes together.
  const int64_t bc_work = (bc_passes - (reference ? 1 : 0)) * bc_samples;
  if (options.progress) {
    copts.progress = [&](int64_t done, int64_t) { options.progress(done, calib_samples + bc_work); };
    bc_opts.progress = [&](int64_t done, int64_t) { options.progress(calib_samples + done, calib_samples + bc_work); };
  }
  auto observers = quant::calibrate(fused, plan, calib, copts, reference ? reference->hook() : ValueHook());
  ConvertNotes notes;
  Graph out = options.bias_correction ? convert_with_bias_correction(fused, plan, observers, calib, bc_opts, &notes,
                                                                     reference ? &*reference : nullptr)
                                      : convert(fused, plan, observers, &notes);
  // Embedding tables: weights, quantized whatever happens to the activations around them.
  const std::vector<std::string> tables =
      quantize_embeddings(out, [&](const Node& n) { return mapping.resolve(n).has_value(); });

  if (report) {
    *report = QuantizeReport{};
    for (const QuantUnit& u : plan.units)
      for (size_t i : u.nodes) report->quantized_nodes.push_back(fused.nodes[i].name);
    report->quantized_nodes.insert(report->quantized_nodes.end(), tables.begin(), tables.end());
    for (const auto& [name, why] : plan.float_reasons) report->float_nodes.push_back(name + ": " + why);
    for (const auto& note : notes.notes) report->float_nodes.push_back(note);
    report->fp32_weight_bytes = initializer_bytes(model);
    report->quantized_weight_bytes = initializer_bytes(out);
    report->float_tensors = float_tensors(out, report->float_nodes);
  }
  return out;
}

}  // namespace octet
