// QConfig: how one node is quantized (activation and weight schemes, the activation observer),
// and QConfigMapping: which QConfig each node gets, as in PyTorch's QConfigMapping
// (torch.ao.quantization.qconfig_mapping). Precedence: node name > name regex > op type > global;
// a null entry keeps the node in float.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "octet/graph.h"
#include "quant/observers/observer.h"

namespace octet::quant {

struct QConfig {
  QScheme activation;                   // u8 affine by default
  std::string act_observer = "histogram";
  ObserverOptions observer_options;
  QScheme weight{DType::kInt8, /*symmetric=*/true};  // ch_axis is set per op by convert
  bool weight_per_channel = true;
};

// PyTorch's default "x86" qconfig: histogram-observed u8 affine activations, per-channel
// symmetric s8 weights. (PyTorch also sets reduce_range for x86; octet's kernels are exact on the
// full range, so it stays off unless asked.)
QConfig default_qconfig();

class QConfigMapping {
 public:
  explicit QConfigMapping(std::optional<QConfig> global = default_qconfig()) : global_(std::move(global)) {}

  // The JSON form of --config (docs/quantization.md, "QConfig"):
  //   {"global": QC, "op_type": {"Conv": QC|null}, "name": {"fc1": null},
  //    "name_regex": [{"pattern": "^head\\.", "qconfig": QC|null}]}
  // QC = {"activation": {"dtype": "u8"|"s8", "observer": NAME, "reduce_range": bool,
  //       "symmetric": bool, "averaging_constant": x, "bins": n, "percentile": p},
  //       "weight": {"per_channel": bool}}; fields omitted keep `base`'s values. Every entry is
  // applied over `base` (the global entry over the CLI's options). octet::Error naming the key
  // at fault on anything malformed (unknown key, bad dtype/observer, invalid regex).
  static QConfigMapping from_json(const std::string& text, const QConfig& base);

  void set_op_type(const std::string& op_type, std::optional<QConfig> qc);
  void set_name(const std::string& name, std::optional<QConfig> qc);
  void add_name_regex(const std::string& pattern, std::optional<QConfig> qc);  // first match wins

  // The node's QConfig, or nullopt to keep it in float.
  std::optional<QConfig> resolve(const Node& node) const;

 private:
  std::optional<QConfig> global_;
  std::vector<std::pair<std::string, std::optional<QConfig>>> op_types_;
  std::vector<std::pair<std::string, std::optional<QConfig>>> names_;
  std::vector<std::pair<std::string, std::optional<QConfig>>> regexes_;
};

}  // namespace octet::quant
