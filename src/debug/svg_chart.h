// The SVG charts of octet report (octet/report.h), written as text to inline in an HTML page:
// no scripts, no external references (not even an xmlns URL), colours as attributes, every label
// escaped, full names in <title> tooltips where a label is cut. Sizes in CSS pixels.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "debug/value_histograms.h"

namespace octet {

// & < > " ' as entities: safe in HTML and SVG text and in quoted attribute values.
std::string html_escape(std::string_view text);
// Four significant digits ("0.01272", "2.608e+05"); "inf", "-inf", "nan".
std::string short_number(double v);
// "[lo, hi]" in short numbers; `close` ')' for a half-open one.
std::string interval(double lo, double hi, char close = ']');

// Horizontal bars, one group per row and one bar per series in it (octet report: a layer's
// isolated and accumulated SQNR). The axis spans 0 and every finite value; +inf draws a full bar
// labelled "inf", -inf and NaN none.
struct BarGroup {
  std::string label;
  std::vector<double> values;  // one per series
};
std::string svg_bar_chart(const std::vector<BarGroup>& groups, const std::vector<std::string>& series,
                          const std::string& unit);

// A histogram's bins, counts on a log scale (the tails beyond a range show beside the mode), with
// [mark_low, mark_high] (the quantization range) shaded and its ends drawn as lines.
std::string svg_histogram(const Histogram& h, double mark_low, double mark_high);

// One bar per channel; a log axis when the nonzero values are more than 100x apart. `flagged`
// channels are drawn in the warning colour, with a marker under the axis (a zero channel has no bar).
std::string svg_channel_chart(const std::vector<double>& values, const std::set<int64_t>& flagged,
                              const std::string& unit);

}  // namespace octet
