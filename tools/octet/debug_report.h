// How inspect --qparams and run --stats print their findings (include/octet/debug.h): tables for
// a 120-column terminal, and the JSON of inspect --qparams --json (docs/debugging.md).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "octet/debug.h"

namespace octet::cli {

// One row per tensor, its flags on the lines below it, then the totals.
std::string format_qparams_table(const std::vector<QTensorReport>& reports);
nlohmann::json qparams_json(const std::vector<QTensorReport>& reports);

// The tensors that ran, worst first; "!" marks those above kSaturationWarnShare at either end.
std::string format_saturation_table(const std::vector<SaturationCount>& counts);

}  // namespace octet::cli
