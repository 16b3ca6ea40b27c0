// QConfig: how one node is quantized (activation and weight schemes, the activation observer),
// and QConfigMapping: which QConfig each node gets, as in PyTorch's QConfigMapping
// (torch.ao.quantization.qconfig_mapping). Precedence: node name > name regex > op type > global;
// a null entry keeps the node in float.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "octet/graph.h"
#include "quant/observers/observer.h"

namespace re2 {
class RE2;
}

namespace octet::quant {

struct QConfig {
  QScheme activation;  // u8 affine by default
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
  //       "weight": {"per_channel": bool, "reduce_range": bool}}; fields omitted keep `base`'s values. Every entry is
  // applied over `base` (the global entry over the CLI's options). octet::Error naming the key
  // at fault on anything malformed (unknown key, bad dtype/observer, a number of the wrong kind or
  // out of the observer's range, invalid regex, an empty file, nesting past 16 levels).
  // Patterns are RE2 syntax, searched anywhere in the name.
  static QConfigMapping from_json(const std::string& text, const QConfig& base);

  void set_op_type(const std::string& op_type, std::optional<QConfig> qc);
  void set_name(const std::string& name, std::optional<QConfig> qc);
  void add_name_regex(const std::string& pattern, std::optional<QConfig> qc);  // first match wins

  // octet::Error for an entry that names no node of any of `graphs` (the model as given and as
  // fused): a name, op type or pattern that matches nothing is a typo, not a setting.
  void check_matches(const std::vector<const Graph*>& graphs) const;

  // The node's QConfig, or nullopt to keep it in float.
  std::optional<QConfig> resolve(const Node& node) const;

 private:
  std::optional<QConfig> global_;
  std::vector<std::pair<std::string, std::optional<QConfig>>> op_types_;
  std::vector<std::pair<std::string, std::optional<QConfig>>> names_;
  struct NameRegex {
    std::string pattern;
    std::shared_ptr<const re2::RE2> re;
    std::optional<QConfig> qc;
  };
  std::vector<NameRegex> regexes_;
};

}  // namespace octet::quant
