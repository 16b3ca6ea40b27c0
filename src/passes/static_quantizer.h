// Static PTQ as a session: fuse, prepare and calibrate once, then convert as often as wanted with
// different nodes kept in float. quantize_static is one conversion; sensitivity analysis and the
// accuracy-aware fallback (debug/) make many from the one calibration.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "octet/quantize.h"
#include "passes/bias_correction.h"
#include "passes/calibrate.h"
#include "passes/output_cosine.h"
#include "passes/prepare.h"
#include "quant/qconfig.h"

namespace octet {

// The QConfigMapping `options` ask for on `model`: the base qconfig from the observer (observer
// auto's first range rule), the dtypes and granularity, the JSON config applied over it, and
// options.exclude kept float. octet::Error naming an unknown observer, a malformed config, or an
// excluded name that is no node of `model`.
quant::QConfigMapping qconfig_mapping(const Graph& model, const StaticQuantOptions& options);

class StaticQuantizer {
 public:
  // Everything quantize_static does before converting. `calib` must outlive the quantizer (bias
  // correction reads it again at each conversion). octet::Error as quantize_static.
  StaticQuantizer(const Graph& model, const std::map<std::string, Tensor>& calib, const StaticQuantOptions& options);
  ~StaticQuantizer();

  // The QDQ model with `float_nodes` (names of the model's nodes; a fused unit is named by its
  // head, the Conv of Conv+BN+ReLU) kept in float, on top of options.exclude. Values that only
  // float nodes read are no longer quantized; a value a kept-float plan needs that calibration did
  // not observe is calibrated then (once). Deterministic.
  Graph quantize(const std::vector<std::string>& float_nodes = {}, QuantizeReport* report = nullptr);

  // The head node of every quantized unit of the full plan, in graph order: what can be kept float.
  std::vector<std::string> layers() const;
  // The head of the unit `node` belongs to in the full plan ("" when it is in none): keeping a
  // fused ReLU in float means keeping its Conv.
  std::string unit_of(const std::string& node) const;

 private:
  // The activation observers of the options' range rule switched to `kind`, another rule over the
  // same histogram (quant/observers/histogram.h), without calibrating again.
  void set_range_rule(const std::string& kind);
  // observer "auto": converts with each histogram range rule, bias correction left out, and keeps
  // the best one, then converts it as the options say (the note says which, with every rule's
  // score). Bias correction is most of a conversion's time: once instead of once per rule.
  void choose_range_rule();
  // quantize() without observer auto's pick, with or without bias correction.
  Graph convert(const std::vector<std::string>& float_nodes, bool bias_correction, QuantizeReport* report);
  const OutputCosine& output_cosine();
  QuantPlan plan_for(const std::vector<std::string>& float_nodes) const;
  void observe_missing(const QuantPlan& plan);

  const Graph& model_;
  std::string opset_note_;             // passes/upgrade_opset.h
  std::vector<NormKind> fused_norms_;  // written-out normalizations fused into their ONNX op
  const std::map<std::string, Tensor>& calib_;
  StaticQuantOptions options_;
  quant::QConfigMapping mapping_;
  Graph fused_;
  QuantPlan plan_;
  CalibrationOptions calib_options_, bias_options_;
  std::optional<BiasReference> reference_;
  std::map<std::string, std::unique_ptr<quant::Observer>> observers_;
  std::string calibrated_rule_;  // the kind of observer calibrate() makes for the options' observer
  std::string range_rule_;       // the kind those observers have now (set_range_rule)
  std::string range_rule_note_;
  struct Conversion {
    Graph model;
    QuantizeReport report;
  };
  std::optional<Conversion> chosen_;  // observer auto's pick until quantize() hands it out
  std::string chosen_rule_;
  std::optional<OutputCosine> output_cosine_;  // from the calibration pass, or made on first use
};

}  // namespace octet
