// octet report's page (docs/debugging.md "The HTML report"): one self-contained HTML file with the
// models' summary, the per-layer SQNR chart, a histogram per quantized activation, the per-channel
// ranges of every weight, the qparams table with its flags and the float ops with their reasons.
// Inline CSS and SVG only: no script, no font, no URL; every name from the models is escaped.
#pragma once

#include <string>

#include "debug/report_data.h"

namespace octet {

std::string html_report(const ReportData& data);

}  // namespace octet
