#include "octet/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "debug/svg_chart.h"

namespace octet {

namespace {

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 0 auto;
       max-width: 1180px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7e2; padding-bottom: 4px; }
h3 { font-size: 13px; margin: 18px 0 2px; font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
p.note { color: #555; margin: 4px 0 10px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; margin: 6px 0; font-size: 12.5px; }
th, td { border: 1px solid #d8dde6; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; min-width: 14em; max-width: 420px; }
tr.error td { background: #fde7e7; }
tr.warning td { background: #fff6dd; }
.sev-error { color: #b71c1c; font-weight: 600; }
.sev-warning { color: #9a6700; font-weight: 600; }
.sev-info { color: #456; }
figure { margin: 4px 0 14px; }
figcaption { font-size: 12.5px; color: #333; }
pre { background: #f5f7fa; border: 1px solid #d8dde6; padding: 8px; overflow-x: auto; font-size: 12px; }
svg { display: block; max-width: 100%; height: auto; }
)";

std::string esc(const std::string& s) { return html_escape(s); }

// A model's name in a table cell: escaped, free to wrap after each '/' of an exporter's path.
std::string name_cell(const std::string& s) {
  std::string out;
  for (char c : html_escape(s)) out += c == '/' ? std::string("/<wbr>") : std::string(1, c);
  return out;
}

std::string pct(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", 100 * share);
  return buf;
}

std::string bytes(int64_t n) {
  if (n < 0) return "size not known";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f KiB (%lld bytes)", n / 1024.0, static_cast<long long>(n));
  return buf;
}

std::string td(const std::string& html, const char* cls = nullptr) {
  return cls ? std::string("<td class=\"") + cls + "\">" + html + "</td>" : "<td>" + html + "</td>";
}

// "v" for one value, "lo .. hi" over the channels.
template <class T>
std::string spread(const std::vector<T>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *lo == *hi ? short_number(*lo) : short_number(*lo) + " .. " + short_number(*hi);
}

std::string flag_list(const std::vector<QParamsFlag>& flags) {
  std::string out;
  for (const QParamsFlag& f : flags)
    out += std::string("<div><span class=\"sev-") + severity_name(f.severity) + "\">" + severity_name(f.severity) +
           "</span> <code>" + esc(f.code) + "</code>: " + esc(f.message) + "</div>";
  return out;
}

// The worst severity among the flags: the table row's class.
const char* row_class(const std::vector<QParamsFlag>& flags) {
  const char* cls = "";
  for (const QParamsFlag& f : flags) {
    if (f.severity == QParamsFlag::Severity::kError) return "error";
    if (f.severity == QParamsFlag::Severity::kWarning) cls = "warning";
  }
  return cls;
}

std::string summary(const ReportData& d) {
  const Comparison& c = d.comparison;
  std::string s = "<h2 id=\"summary\">Summary</h2>\n<table>\n";
  s += "<tr><th>float model</th>" + td(esc(d.float_name), "name") + td(bytes(d.float_bytes)) +
       td(std::to_string(d.float_nodes) + " nodes") + "</tr>\n";
  s += "<tr><th>quantized model</th>" + td(esc(d.quantized_name), "name") + td(bytes(d.quantized_bytes)) +
       td(std::to_string(d.quantized_nodes) + " nodes") + "</tr>\n";
  s += "<tr><th>data</th>" + td(esc(d.data_name), "name") + td(std::to_string(c.samples) + " samples") +
       td("the quantized model runs " + esc(c.quantized_run)) + "</tr>\n";
  const std::string coverage = d.kernel_coverage.substr(0, d.kernel_coverage.find('\n'));
  s += "<tr><th>kernel coverage</th><td colspan=\"3\">" +
       (coverage.empty() ? std::string("not known") : esc(coverage)) + "</td></tr>\n";
  if (!c.layers.empty())
    s += "<tr><th>worst layer</th><td colspan=\"3\"><code>" + esc(c.layers.front().name) + "</code> (" +
         esc(c.layers.front().op) + "), isolated SQNR " + short_number(c.layers.front().isolated.sqnr_db) +
         " dB</td></tr>\n";
  int flags[3] = {0, 0, 0};
  for (const QTensorReport& q : d.qparams)
    for (const QParamsFlag& f : q.flags) ++flags[static_cast<int>(f.severity)];
  s += "<tr><th>qparams flags</th><td colspan=\"3\">" + std::to_string(d.qparams.size()) +
       " quantized tensors: " + std::to_string(flags[2]) + " errors, " + std::to_string(flags[1]) + " warnings, " +
       std::to_string(flags[0]) + " notes</td></tr>\n</table>\n";
  for (const std::string& w : c.warnings) s += "<p class=\"note\">warning: " + esc(w) + "</p>\n";
  for (const std::string& m : c.mismatches) s += "<p class=\"note\">not compared: " + esc(m) + "</p>\n";
  return s;
}

// The weakest weight of a layer: "38.1 (ch 3: 30.2)".
std::string weight_cell(const LayerError& l) {
  const WeightError* worst = weakest_weight(l);
  if (!worst) return "-";
  return short_number(worst->sqnr_db) + " (ch " + std::to_string(worst->worst_channel) + ": " +
         short_number(worst->channel_sqnr_db[worst->worst_channel]) + ")";
}

std::string layers(const Comparison& c) {
  std::string s =
      "<h2 id=\"sqnr\">Layer error: SQNR</h2>\n<p class=\"note\">Worst first. Isolated: each layer fed "
      "the float model's inputs (its own error); accumulated: the whole quantized model (error carried "
      "from upstream too). Higher is better; 20 dB is an error a tenth of the signal.</p>\n";
  if (c.layers.empty()) return s + "<p>No layer shared by both models.</p>\n";
  std::vector<BarGroup> groups;
  for (const LayerError& l : c.layers)
    groups.push_back({l.name + " (" + l.op + ")", {l.isolated.sqnr_db, l.accumulated.sqnr_db}});
  s += "<figure>" + svg_bar_chart(groups, {"isolated", "accumulated"}, "SQNR (dB)") + "</figure>\n";
  s += "<table>\n<tr><th>#</th><th>layer</th><th>op</th><th>SQNR dB isol.</th><th>accum.</th><th>cosine isol.</th>"
       "<th>accum.</th><th>max |err| isol.</th><th>accum.</th><th>weight SQNR dB (worst channel)</th></tr>\n";
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerError& l = c.layers[i];
    char cos[2][32];
    std::snprintf(cos[0], sizeof cos[0], "%.5f", l.isolated.cosine);
    std::snprintf(cos[1], sizeof cos[1], "%.5f", l.accumulated.cosine);
    s += "<tr>" + td(std::to_string(i + 1), "num") + td(name_cell(l.name), "name") + td(esc(l.op)) +
         td(short_number(l.isolated.sqnr_db), "num") + td(short_number(l.accumulated.sqnr_db), "num") +
         td(cos[0], "num") + td(cos[1], "num") + td(short_number(l.isolated.max_abs_err), "num") +
         td(short_number(l.accumulated.max_abs_err), "num") + td(weight_cell(l), "num") + "</tr>\n";
  }
  return s + "</table>\n";
}

std::string activations(const ReportData& d) {
  std::string s =
      "<h2 id=\"activations\">Activations</h2>\n<p class=\"note\">Every quantized activation: the "
      "float values its QuantizeLinear received when the quantized model ran as written on the data, in " +
      std::to_string(kReportHistogramBins) +
      " bins over the observed range joined with the quantization "
      "range <code>[(qmin - zp) * scale, (qmax - zp) * scale]</code> (green). Red bins lie wholly outside "
      "it: those values are clipped. Clipped: beyond the range by more than half a step; codes at qmin / qmax: "
      "the share saturated at either end (at qmin '-' where qmin is the zero point).</p>\n";
  std::map<std::string, const SaturationCount*> saturation;  // by QuantizeLinear node
  for (const SaturationCount& c : d.saturation) saturation[c.node] = &c;
  int shown = 0;
  for (size_t i = 0; i < d.qparams.size(); ++i) {
    const QTensorReport& q = d.qparams[i];
    auto h = d.histograms.find(q.name);
    if (q.kind != QTensorKind::kActivation || h == d.histograms.end() || !q.observed) continue;
    ++shown;
    const ObservedRange& o = *q.observed;
    const auto [lo, hi] = q.range_envelope();
    s += "<section class=\"activation\" id=\"act-" + std::to_string(i) + "\">\n<h3>" + esc(q.name) + "</h3>\n<figure>" +
         svg_histogram(h->second, lo, hi) + "<figcaption>QuantizeLinear <code>" + esc(q.node) + "</code>, " +
         dtype_name(q.dtype) + ", scale " + spread(q.scale) + ", zero point " + spread(q.zero_point) + ": range " +
         interval(lo, hi) + "; observed " + interval(o.min, o.max) + " over " + std::to_string(o.count) +
         " values; clipped " + pct(double(o.below) / o.count) + " low, " + pct(double(o.above) / o.count) + " high";
    auto sat = saturation.find(q.node);
    if (sat != saturation.end() && sat->second->count > 0)
      s += "; codes at qmin " +
           (sat->second->qmin_saturates ? pct(sat->second->qmin_share()) : std::string("- (an exact 0)")) +
           ", at qmax " + pct(sat->second->qmax_share());
    s += "." + flag_list(q.flags) + "</figcaption></figure>\n</section>\n";
  }
  if (!shown)
    s += "<p>No quantized activation with a fixed range ran on the data (a dynamically quantized model "
         "chooses its ranges at run time).</p>\n";
  return s;
}

std::string weights(const ReportData& d) {
  std::string s =
      "<h2 id=\"weights\">Weights: range per output channel</h2>\n<p class=\"note\">max |w| per output "
      "channel of every quantized weight, on a log scale when the channels are more than 100x apart. Red: "
      "channels a flag names (dead, outlier, bad scale).</p>\n";
  int shown = 0;
  for (size_t i = 0; i < d.qparams.size(); ++i) {
    const QTensorReport& q = d.qparams[i];
    if (q.kind != QTensorKind::kWeight || q.channel_max_abs.empty()) continue;
    ++shown;
    std::set<int64_t> flagged;
    for (const QParamsFlag& f : q.flags) flagged.insert(f.channels.begin(), f.channels.end());
    s += "<section class=\"weight\" id=\"w-" + std::to_string(i) + "\">\n<h3>" + esc(q.name) + "</h3>\n<figure>" +
         svg_channel_chart(q.channel_max_abs, flagged, "max |w|") + "<figcaption>" + dtype_name(q.dtype) + ", " +
         (q.axis ? "per channel (axis " + std::to_string(*q.axis) + ")" : std::string("per tensor")) + ", " +
         std::to_string(q.channel_max_abs.size()) + " output channels, max |w| " + spread(q.channel_max_abs) + "." +
         flag_list(q.flags) + "</figcaption></figure>\n</section>\n";
  }
  if (!shown) s += "<p>No quantized weight of rank 2 or more.</p>\n";
  return s;
}

std::string qparams_table(const std::vector<QTensorReport>& reports) {
  std::string s =
      "<h2 id=\"qparams\">Quantization parameters</h2>\n<p class=\"note\">As <code>QParamsCheck</code> over "
      "the data reports them; the flags are described in docs/debugging.md.</p>\n<table>\n"
      "<tr><th>tensor</th><th>kind</th><th>dtype</th><th>scale</th><th>zero point</th><th>range</th>"
      "<th>observed</th><th>clipped low / high</th><th>flags</th></tr>\n";
  for (const QTensorReport& q : reports) {
    const auto [lo, hi] = q.range_envelope();
    std::string observed = "-", clipped = "-";
    if (q.observed && q.observed->count > 0) {
      const ObservedRange& o = *q.observed;
      observed = interval(o.min, o.max);
      clipped = pct(double(o.below) / o.count) + " / " + pct(double(o.above) / o.count);
    }
    s += std::string("<tr class=\"") + row_class(q.flags) + "\">" + td(name_cell(q.name), "name") +
         td(qtensor_kind_name(q.kind)) + td(dtype_name(q.dtype)) + td(spread(q.scale), "num") +
         td(spread(q.zero_point), "num") + td(interval(lo, hi), "num") + td(observed, "num") + td(clipped, "num") +
         td(flag_list(q.flags)) + "</tr>\n";
  }
  return s + "</table>\n";
}

std::string float_ops(const ReportData& d) {
  std::string s =
      "<h2 id=\"float-ops\">Float ops</h2>\n<p class=\"note\">The quantized model lowered onto the INT8 "
      "kernels (<code>octet::lower</code>): the ops that still run in float, by op and reason.</p>\n";
  if (d.kernel_coverage.empty()) return s + "<p>Not known.</p>\n";
  return s + "<pre>" + esc(d.kernel_coverage) + "</pre>\n";
}

}  // namespace

std::string html_report(const ReportData& d) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>octet report: " +
      esc(d.quantized_name) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>octet report</h1>\n<p class=\"note\"><code>" + esc(d.quantized_name) + "</code> against <code>" +
          esc(d.float_name) + "</code> on <code>" + esc(d.data_name) + "</code></p>\n";
  html +=
      "<nav><a href=\"#summary\">summary</a><a href=\"#sqnr\">layer SQNR</a><a href=\"#activations\">activations</a>"
      "<a href=\"#weights\">weights</a><a href=\"#qparams\">qparams</a><a href=\"#float-ops\">float ops</a></nav>\n";
  html += summary(d) + layers(d.comparison) + activations(d) + weights(d) + qparams_table(d.qparams) + float_ops(d);
  return html + "</body>\n</html>\n";
}

}  // namespace octet
