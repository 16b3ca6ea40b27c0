// octet::quantize_static (include/octet/quantize.h): fuse -> prepare -> calibrate -> convert,
// the static post-training quantization of the seeds (../shared/seeds/), as one conversion of a
// StaticQuantizer (passes/static_quantizer.h).
#include "octet/quantize.h"
#include "passes/static_quantizer.h"

namespace octet {

Graph quantize_static(const Graph& model, const std::map<std::string, Tensor>& calib, const StaticQuantOptions& options,
                      QuantizeReport* report) {
  return StaticQuantizer(model, calib, options).quantize({}, report);
}

}  // namespace octet
