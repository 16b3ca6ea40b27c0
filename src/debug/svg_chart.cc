#include "debug/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace octet {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string short_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string interval(double lo, double hi, char close) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "[" + std::string + ...
  std::string s = "[";
  s += short_number(lo);
  s += ", ";
  s += short_number(hi);
  s += close;
  return s;
}

namespace {

const char* const kSeriesColours[] = {"#3b6fb6", "#e08a2c", "#5a9e4b", "#8c5bb0"};
constexpr const char* kFlagColour = "#c62828";
constexpr const char* kBarColour = "#3b6fb6";
constexpr const char* kFont = "font-family=\"ui-monospace,Menlo,Consolas,monospace\" font-size=\"11\"";
constexpr double kCharWidth = 6.7;  // of the 11 px monospace font
constexpr size_t kLabelChars = 56;  // longer labels are cut in the middle, whole in the tooltip

// Coordinates with one decimal: enough for a screen, and the text stays short.
std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string cut_middle(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  const size_t head = (width - 3) / 2;
  return s.substr(0, head) + "..." + s.substr(s.size() - (width - 3 - head));
}

// No xmlns: the HTML parser puts inline <svg> in the SVG namespace, and the page holds no URL at all.
std::string open_svg(double width, double height, const std::string& label) {
  return "<svg width=\"" + px(width) + "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " +
         px(height) + "\" role=\"img\" aria-label=\"" + html_escape(label) + "\" " + kFont + ">\n";
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start", const char* extra = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" + html_escape(s) +
         "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* stroke, const char* extra = "") {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\" stroke=\"" +
         stroke + "\"" + extra + "/>\n";
}

std::string rect(double x, double y, double w, double h, const char* fill, const std::string& tooltip = "") {
  std::string r = "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(std::max(w, 0.0)) + "\" height=\"" +
                  px(std::max(h, 0.0)) + "\" fill=\"" + fill + "\"";
  return tooltip.empty() ? r + "/>\n" : r + "><title>" + html_escape(tooltip) + "</title></rect>\n";
}

// About `count` round ticks (steps of 1, 2 or 5 times a power of ten) from the last at or below
// lo to the first at or above hi: an axis ending on them shows every value.
std::vector<double> nice_ticks(double lo, double hi, int count) {
  const double raw = (hi - lo) / count;
  if (!(raw > 0) || !std::isfinite(raw)) return {lo};
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = power * (raw / power < 1.5 ? 1 : raw / power < 3.5 ? 2 : raw / power < 7.5 ? 5 : 10);
  std::vector<double> ticks;
  const auto first = static_cast<int64_t>(std::floor(lo / step + 1e-9)),
             last = static_cast<int64_t>(std::ceil(hi / step - 1e-9));
  for (int64_t i = first; i <= last; ++i) ticks.push_back(static_cast<double>(i) * step);
  return ticks;
}

// Powers of ten from 10^floor(log10 lo) up to hi.
std::vector<double> decade_ticks(double lo, double hi) {
  std::vector<double> ticks;
  for (double e = std::floor(std::log10(lo)); e <= std::log10(hi) + 1e-9; ++e) ticks.push_back(std::pow(10.0, e));
  return ticks;
}

}  // namespace

std::string svg_bar_chart(const std::vector<BarGroup>& groups, const std::vector<std::string>& series,
                          const std::string& unit) {
  double lo = 0, hi = 0;
  size_t label_chars = 8;
  for (const BarGroup& g : groups) {
    label_chars = std::max(label_chars, std::min(g.label.size(), kLabelChars));
    for (double v : g.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (hi <= lo) hi = lo + 1;
  const std::vector<double> ticks = nice_ticks(lo, hi, 6);
  lo = std::min(lo, ticks.front());
  hi = std::max(hi, ticks.back());
  const double bar_h = 9, group_h = bar_h * series.size() + 8, top = 26, plot_w = 480;
  const double left = label_chars * kCharWidth + 12, width = left + plot_w + 56;
  const double height = top + group_h * groups.size() + 30;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * plot_w; };
  std::string svg = open_svg(width, height, "bar chart: " + unit);
  for (size_t s = 0; s < series.size(); ++s) {  // the legend
    const double lx = left + s * 150;
    svg += rect(lx, 6, 12, 10, kSeriesColours[s % 4]) + text(lx + 16, 15, series[s]);
  }
  const double bottom = top + group_h * groups.size();
  for (double t : ticks) {
    svg += line(x(t), top, x(t), bottom, "#ddd");
    svg += text(x(t), bottom + 14, short_number(t), "middle");
  }
  svg += text(left + plot_w / 2, bottom + 27, unit, "middle");
  for (size_t g = 0; g < groups.size(); ++g) {
    const double y0 = top + g * group_h + 4;
    if (g % 2) svg += rect(0, y0 - 4, width, group_h, "#f4f6f9");
    const std::string& label = groups[g].label;
    svg += "<text x=\"" + px(left - 6) + "\" y=\"" + px(y0 + group_h / 2 + 1) + "\" text-anchor=\"end\"><title>" +
           html_escape(label) + "</title>" + html_escape(cut_middle(label, kLabelChars)) + "</text>\n";
    for (size_t s = 0; s < groups[g].values.size() && s < series.size(); ++s) {
      const double v = groups[g].values[s], y = y0 + s * bar_h;
      if (std::isnan(v) || v == -INFINITY) continue;
      const double end = std::isinf(v) ? x(hi) : x(v), zero = x(0);
      svg += rect(std::min(zero, end), y, std::fabs(end - zero), bar_h - 1, kSeriesColours[s % 4],
                  label + " " + series[s] + ": " + short_number(v) + " " + unit);
      svg += text(std::max(zero, end) + 3, y + bar_h - 1.5, short_number(v), "start", " font-size=\"9\"");
    }
  }
  svg += line(x(0), top, x(0), bottom, "#555");
  return svg + "</svg>\n";
}

std::string svg_histogram(const Histogram& h, double mark_low, double mark_high) {
  const double left = 56, top = 10, plot_w = 600, plot_h = 130, width = left + plot_w + 20, height = top + plot_h + 34;
  auto x = [&](double v) { return left + (std::clamp(v, h.low, h.high) - h.low) / (h.high - h.low) * plot_w; };
  const int64_t peak = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
  const double log_peak = std::log10(1.0 + std::max<int64_t>(peak, 1));
  auto y = [&](double count) { return top + plot_h - std::log10(1.0 + count) / log_peak * plot_h; };
  std::string svg =
      open_svg(width, height, "histogram of values from " + short_number(h.low) + " to " + short_number(h.high));
  svg += rect(x(mark_low), top, x(mark_high) - x(mark_low), plot_h, "#e6f0e0",
              "quantization range " + interval(mark_low, mark_high));
  for (double t : decade_ticks(1, std::max<double>(peak, 1))) {
    svg += line(left, y(t), left + plot_w, y(t), "#e4e4e4");
    svg += text(left - 4, y(t) + 4, short_number(t), "end");
  }
  const double bin_w = plot_w / h.counts.size();
  for (size_t i = 0; i < h.counts.size(); ++i) {
    if (h.counts[i] == 0) continue;
    const double b_lo = h.low + i * h.bin_width(), b_hi = b_lo + h.bin_width();
    // Bins wholly outside the quantization range hold values it clips: drawn in the warning colour.
    const bool outside = b_hi <= mark_low || b_lo >= mark_high;
    svg += rect(left + i * bin_w, y(h.counts[i]), std::max(bin_w - 0.5, 0.5), top + plot_h - y(h.counts[i]),
                outside ? kFlagColour : kBarColour, interval(b_lo, b_hi, ')') + ": " + std::to_string(h.counts[i]));
  }
  for (double m : {mark_low, mark_high})
    svg += line(x(m), top - 4, x(m), top + plot_h, "#2e7d32", " stroke-width=\"2\"");
  svg += line(left, top + plot_h, left + plot_w, top + plot_h, "#555");
  for (double t : nice_ticks(h.low, h.high, 8)) {
    if (t < h.low || t > h.high) continue;
    svg += line(x(t), top + plot_h, x(t), top + plot_h + 4, "#555");
    svg += text(x(t), top + plot_h + 15, short_number(t), "middle");
  }
  svg += text(left + plot_w / 2, top + plot_h + 29, "value (green: the quantization range; counts on a log scale)",
              "middle");
  return svg + "</svg>\n";
}

std::string svg_channel_chart(const std::vector<double>& values, const std::set<int64_t>& flagged,
                              const std::string& unit) {
  double largest = 0, smallest = INFINITY;
  for (double v : values)
    if (v > 0 && std::isfinite(v)) largest = std::max(largest, v), smallest = std::min(smallest, v);
  const bool log_scale = largest > 0 && largest / smallest > 100;
  const double left = 56, top = 10, plot_w = 600, plot_h = 110, width = left + plot_w + 20, height = top + plot_h + 36;
  // Log: from the decade below the smallest value, so it still shows as a bar.
  const double floor_v = log_scale ? std::pow(10.0, std::floor(std::log10(smallest))) : 0;
  const double top_v = log_scale ? largest : (largest > 0 ? nice_ticks(0, largest, 4).back() : 1);
  auto y = [&](double v) {
    const double share =
        log_scale ? (std::log10(std::max(v, floor_v)) - std::log10(floor_v)) / (std::log10(top_v) - std::log10(floor_v))
                  : v / top_v;
    return top + plot_h - std::clamp(share, 0.0, 1.0) * plot_h;
  };
  std::string svg = open_svg(width, height, unit + " per channel");
  for (double t : log_scale ? decade_ticks(floor_v, top_v) : nice_ticks(0, top_v, 4)) {
    svg += line(left, y(t), left + plot_w, y(t), "#e4e4e4");
    svg += text(left - 4, y(t) + 4, short_number(t), "end");
  }
  const double bar_w = plot_w / std::max<size_t>(values.size(), 1);
  for (size_t c = 0; c < values.size(); ++c) {
    const bool flag = flagged.count(static_cast<int64_t>(c)) > 0;
    const std::string tip =
        "channel " + std::to_string(c) + ": " + short_number(values[c]) + (flag ? " (flagged)" : "");
    if (values[c] > 0)
      svg += rect(left + c * bar_w, y(values[c]), std::max(bar_w - (bar_w > 3 ? 1 : 0), 0.6),
                  top + plot_h - y(values[c]), flag ? kFlagColour : kBarColour, tip);
    if (flag) svg += rect(left + c * bar_w, top + plot_h + 2, std::max(bar_w, 2.0), 4, kFlagColour, tip);
  }
  svg += line(left, top + plot_h, left + plot_w, top + plot_h, "#555");
  for (double t : nice_ticks(0, std::max<double>(values.size(), 1) - 1, 8)) {
    if (t < 0 || t >= values.size() || t != std::floor(t)) continue;
    svg += text(left + (t + 0.5) * bar_w, top + plot_h + 18, short_number(t), "middle");
  }
  svg += text(left + plot_w / 2, top + plot_h + 32,
              "output channel (" + unit + (log_scale ? ", log scale" : "") + "; red: flagged)", "middle");
  return svg + "</svg>\n";
}

}  // namespace octet
