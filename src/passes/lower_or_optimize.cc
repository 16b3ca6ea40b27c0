// octet::lower_or_optimize (include/octet/quantize.h): the one rule for what runs.
#include "octet/quantize.h"
#include "octet/runtime.h"

namespace octet {

Graph lower_or_optimize(const Graph& model) {
  return is_quantized(model) ? lower(model) : optimize_for_inference(model);
}

}  // namespace octet
