#include "octet/accuracy.h"

#include <algorithm>

#include "octet/error.h"
#include "passes/static_quantizer.h"

namespace octet {

namespace {

class StaticLayers : public LayerQuantizer {
 public:
  StaticLayers(const Graph& model, std::map<std::string, Tensor> calib, const StaticQuantOptions& options)
      : model_(model), calib_(std::move(calib)), quantizer_(model_, calib_, options) {}
  std::vector<std::string> layers() const override { return quantizer_.layers(); }
  std::string layer_of(const std::string& node) const override { return quantizer_.unit_of(node); }
  Graph quantize(const std::vector<std::string>& float_layers, QuantizeReport* report,
                 const std::vector<std::string>& weight_only) override {
    OCTET_CHECK(weight_only.empty(), "static quantization has no weight-only layers");
    return quantizer_.quantize(float_layers, report);
  }
  bool can_be_weight_only(const std::string&) const override { return false; }

 private:
  const Graph model_;  // StaticQuantizer keeps references to these two
  const std::map<std::string, Tensor> calib_;
  StaticQuantizer quantizer_;
};

class DynamicLayers : public LayerQuantizer {
 public:
  DynamicLayers(const Graph& model, const DynamicQuantOptions& options) : model_(model), options_(options) {
    QuantizeReport report;
    quantize_dynamic(model_, options_, &report);
    layers_ = report.quantized_nodes;
  }
  std::vector<std::string> layers() const override { return layers_; }
  std::string layer_of(const std::string& node) const override {
    return std::find(layers_.begin(), layers_.end(), node) != layers_.end() ? node : "";
  }
  Graph quantize(const std::vector<std::string>& float_layers, QuantizeReport* report,
                 const std::vector<std::string>& weight_only) override {
    DynamicQuantOptions options = options_;
    options.exclude.insert(options.exclude.end(), float_layers.begin(), float_layers.end());
    options.weight_only.insert(options.weight_only.end(), weight_only.begin(), weight_only.end());
    return quantize_dynamic(model_, options, report);
  }
  bool can_be_weight_only(const std::string& layer) const override {
    for (const Node& n : model_.nodes)
      if (n.name == layer) return n.op_type != "Gather" && !layer_of(layer).empty();
    return false;
  }

 private:
  const Graph model_;
  const DynamicQuantOptions options_;
  std::vector<std::string> layers_;
};

}  // namespace

std::unique_ptr<LayerQuantizer> static_layer_quantizer(const Graph& model, std::map<std::string, Tensor> calib,
                                                       const StaticQuantOptions& options) {
  return std::make_unique<StaticLayers>(model, std::move(calib), options);
}

std::unique_ptr<LayerQuantizer> dynamic_layer_quantizer(const Graph& model, const DynamicQuantOptions& options) {
  return std::make_unique<DynamicLayers>(model, options);
}

}  // namespace octet
