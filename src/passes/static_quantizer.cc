#include "passes/static_quantizer.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "octet/samples.h"
#include "passes/convert.h"
#include "passes/float_tensors.h"
#include "passes/fuse.h"
#include "passes/quantize_embeddings.h"
#include "passes/upgrade_opset.h"
#include "quant/observers/histogram.h"

namespace octet {

namespace {

int64_t initializer_bytes(const Graph& g) {
  int64_t bytes = 0;
  for (const auto& [_, t] : g.initializers) bytes += static_cast<int64_t>(t.nbytes());
  return bytes;
}

void check_node_names(const Graph& model, const std::vector<std::string>& names, const char* what) {
  for (const auto& name : names) {
    bool found = std::any_of(model.nodes.begin(), model.nodes.end(), [&](const Node& n) { return n.name == name; });
    OCTET_CHECK(found, what, ": the model has no node named '", name, "'");
  }
}

// The samples output_cosine() scores on: enough to rank range rules whose scores differ in the
// third decimal, a fraction of calibration's cost.
constexpr int64_t kCosineSamples = 32;

// The observer calibration makes: observer auto calibrates the histograms of its range rules.
std::string calibrated_observer(const StaticQuantOptions& options) {
  return options.observer == "auto" ? quant::histogram_range_rules().front() : options.observer;
}

}  // namespace

quant::QConfigMapping qconfig_mapping(const Graph& model, const StaticQuantOptions& options) {
  quant::QConfig base = quant::default_qconfig();
  base.act_observer = calibrated_observer(options);
  base.activation.dtype = options.act_dtype;
  base.activation.reduce_range = options.reduce_range;
  base.weight.reduce_range = options.reduce_weight_range;
  base.weight_per_channel = options.per_channel;
  make_observer(base.act_observer, base.activation);  // octet::Error listing the kinds if unknown
  quant::QConfigMapping mapping = options.config_json.empty()
                                      ? quant::QConfigMapping(base)
                                      : quant::QConfigMapping::from_json(options.config_json, base);
  check_node_names(model, options.exclude, "StaticQuantOptions::exclude");
  for (const auto& name : options.exclude) mapping.set_name(name, std::nullopt);
  return mapping;
}

StaticQuantizer::StaticQuantizer(const Graph& model, const std::map<std::string, Tensor>& calib,
                                 const StaticQuantOptions& options)
    : model_(model), calib_(calib), options_(options), mapping_(quant::default_qconfig()) {
  OCTET_CHECK(options.act_dtype == DType::kUInt8 || options.act_dtype == DType::kInt8,
              "activation dtype must be u8 or s8, not ", dtype_name(options.act_dtype));
  mapping_ = qconfig_mapping(model, options);
  calibrated_rule_ = range_rule_ = calibrated_observer(options);

  check_finite(calib, "calibration data");
  const DataLayout layout = resolve_data_layout(model, calib, options.calib_layout, "calibration data");
  fused_ = model;
  const int opset = model.opsets.count("") ? model.opsets.at("") : 1;
  if (options.per_channel && options.keep_opset && opset < kPerAxisOpset) {
    opset_note_ = "opset " + std::to_string(opset) + " kept (keep_opset): weights per tensor, which loses accuracy " +
                  "where channel ranges differ (per-axis DequantizeLinear needs opset 13)";
  } else if (options.per_channel) {
    OpsetUpgrade up = upgrade_for_per_axis(model, sample_feeds(calib, layout, 0, 1));
    fused_ = std::move(up.graph);
    opset_note_ = up.note;
  }
  fused_norms_ = fuse_for_static_quantization(fused_);
  if (!options.config_json.empty()) mapping_.check_matches({&model, &fused_});
  plan_ = prepare(fused_, mapping_);
  if (options.bias_correction) add_missing_biases(fused_, plan_);
  calib_options_ = {options.samples, options.batch, options.threads, nullptr, layout};
  bias_options_ = {options.bias_correction_samples, options.batch, options.threads, nullptr, layout};
  const int64_t calib_samples = calibration_samples(fused_, calib, calib_options_);
  const int64_t bc_samples = options.bias_correction ? calibration_samples(fused_, calib, bias_options_) : 0;
  // Bias correction's float means come from the calibration pass when it runs the same samples.
  const int bc_passes = options.bias_correction ? bias_correction_passes(fused_, plan_) : 0;
  if (bc_passes > 0 && bc_samples == calib_samples) reference_.emplace(fused_, plan_);
  // Progress over calibration and the first conversion's bias correction passes together (observer
  // auto's trial conversions run none).
  const int64_t bc_work = (bc_passes - (reference_ ? 1 : 0)) * bc_samples;
  const int64_t total = calib_samples + bc_work;
  if (options.progress) {
    calib_options_.progress = [=](int64_t done, int64_t) { options.progress(done, total); };
    bias_options_.progress = [=](int64_t done, int64_t) { options.progress(calib_samples + done, total); };
  }
  // output_cosine()'s float outputs come from the calibration pass when it runs the same first
  // batches (of the fused float model: the model's outputs to float rounding), saving a float pass.
  const OutputCosine::Batches cosine_batches =
      OutputCosine::batches(model_, calib, layout, kCosineSamples, options.batch);
  std::vector<std::map<std::string, Tensor>> float_outputs;
  calib_options_.outputs = [&](int64_t begin, int64_t end, std::map<std::string, Tensor> outputs) {
    const size_t next = float_outputs.size();
    if (next < cosine_batches.size() && cosine_batches[next] == std::make_pair(begin, end))
      float_outputs.push_back(std::move(outputs));
  };
  observers_ = calibrate(fused_, plan_, calib, calib_options_, reference_ ? reference_->hook() : ValueHook());
  calib_options_.outputs = nullptr;
  const bool same_outputs = !float_outputs.empty() && float_outputs.front().size() == model_.outputs.size() &&
                            std::all_of(model_.outputs.begin(), model_.outputs.end(),
                                        [&](const ValueInfo& o) { return float_outputs.front().count(o.name) > 0; });
  if (float_outputs.size() == cosine_batches.size() && same_outputs)
    output_cosine_.emplace(calib, layout, cosine_batches, std::move(float_outputs), options.threads);
  if (options.observer == "auto") choose_range_rule();
}

StaticQuantizer::~StaticQuantizer() = default;

std::vector<std::string> StaticQuantizer::layers() const {
  std::vector<std::string> heads;
  for (const QuantUnit& u : plan_.units) heads.push_back(fused_.nodes[u.nodes.front()].name);
  return heads;
}

std::string StaticQuantizer::unit_of(const std::string& node) const {
  for (const QuantUnit& u : plan_.units)
    for (size_t i : u.nodes)
      if (fused_.nodes[i].name == node) return fused_.nodes[u.nodes.front()].name;
  return "";
}

QuantPlan StaticQuantizer::plan_for(const std::vector<std::string>& float_nodes) const {
  if (float_nodes.empty()) return plan_;
  check_node_names(fused_, float_nodes, "float node");
  quant::QConfigMapping mapping = mapping_;
  for (const auto& name : float_nodes) mapping.set_name(name, std::nullopt);
  return prepare(fused_, mapping);
}

void StaticQuantizer::set_range_rule(const std::string& kind) {
  for (auto& [value, observer] : observers_) {
    if (observer->kind() != range_rule_) continue;
    nlohmann::json state = observer->to_json();
    state["kind"] = kind;
    observer = quant::load_observer(state);
  }
  range_rule_ = kind;
}

const OutputCosine& StaticQuantizer::output_cosine() {
  if (!output_cosine_)
    output_cosine_.emplace(model_, calib_, calib_options_.layout, kCosineSamples, options_.batch, options_.threads);
  return *output_cosine_;
}

void StaticQuantizer::choose_range_rule() {
  std::string scores;
  std::optional<Conversion> best;  // not chosen_ yet: quantize() would hand that out
  for (const std::string& rule : quant::histogram_range_rules()) {
    set_range_rule(rule);
    Conversion trial;
    trial.model = convert({}, false, &trial.report);
    const double score = trial.report.output_cosine;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.5f", scores.empty() ? "" : ", ", rule.c_str(), score);
    scores += buf;
    // Ties keep the earlier rule (the default first).
    if (!best || score > best->report.output_cosine) best = std::move(trial), chosen_rule_ = rule;
  }
  set_range_rule(chosen_rule_);
  if (options_.bias_correction) best->model = convert({}, true, &best->report);
  chosen_ = std::move(best);
  range_rule_note_ = "observer auto: '" + chosen_rule_ + "' ranges (output cosine to fp32 on the first " +
                     std::to_string(output_cosine().samples()) + " calibration samples" +
                     (options_.bias_correction ? ", before bias correction: " : ": ") + scores + ")";
  chosen_->report.notes.push_back(range_rule_note_);
}

void StaticQuantizer::observe_missing(const QuantPlan& plan) {
  bool missing = false;
  for (const auto& [value, _] : plan.activations) {
    const std::string root = plan.qparams_root(value);
    missing = missing || (plan.activations.at(root).observer != "fixed" && !observers_.count(root));
  }
  if (!missing) return;
  CalibrationOptions options = calib_options_;
  options.progress = nullptr;
  const std::string rule = range_rule_;
  range_rule_ = calibrated_rule_;  // the new observers are of the kind calibrate() makes
  for (auto& [value, observer] : calibrate(fused_, plan, calib_, options))
    if (!observers_.count(value)) observers_[value] = std::move(observer);
  set_range_rule(rule);
}

Graph StaticQuantizer::quantize(const std::vector<std::string>& float_nodes, QuantizeReport* report) {
  if (float_nodes.empty() && chosen_) {  // observer auto's pick, converted while choosing: handed out once
    Graph out = std::move(chosen_->model);
    if (report) *report = std::move(chosen_->report);
    chosen_.reset();
    return out;
  }
  return convert(float_nodes, options_.bias_correction, report);
}

Graph StaticQuantizer::convert(const std::vector<std::string>& float_nodes, bool bias_correction,
                               QuantizeReport* report) {
  const QuantPlan plan = plan_for(float_nodes);
  observe_missing(plan);
  ConvertNotes notes;
  Graph fused = fused_;  // bias correction writes the corrected biases into it
  Graph out = bias_correction ? convert_with_bias_correction(fused, plan, observers_, calib_, bias_options_, &notes,
                                                             reference_ ? &*reference_ : nullptr)
                              : octet::convert(fused, plan, observers_, &notes);
  // Embedding tables: weights, quantized whatever happens to the activations around them.
  const std::set<std::string> kept(float_nodes.begin(), float_nodes.end());
  const std::vector<std::string> tables =
      quantize_embeddings(out, [&](const Node& n) { return !kept.count(n.name) && mapping_.resolve(n).has_value(); });
  if (bias_correction) bias_options_.progress = nullptr;  // the total counted the first one

  if (report) {
    *report = QuantizeReport{};
    for (const QuantUnit& u : plan.units)
      for (size_t i : u.nodes) report->quantized_nodes.push_back(fused.nodes[i].name);
    report->quantized_nodes.insert(report->quantized_nodes.end(), tables.begin(), tables.end());
    for (const auto& [name, why] : plan.float_reasons) report->float_nodes.push_back(name + ": " + why);
    for (const auto& note : notes.notes) report->float_nodes.push_back(note);
    report->fp32_weight_bytes = initializer_bytes(model_);
    report->quantized_weight_bytes = initializer_bytes(out);
    report->float_tensors = float_tensors(out, report->float_nodes);
    if (!opset_note_.empty()) report->notes.push_back(opset_note_);
    if (!range_rule_note_.empty()) report->notes.push_back(range_rule_note_);
    report->output_cosine = output_cosine().score(out);
    report->output_cosine_samples = output_cosine().samples();
    if (std::string norms = describe_norms(fused_norms_, plan.float_norms); !norms.empty())
      report->notes.push_back(norms);
  }
  return out;
}

}  // namespace octet
