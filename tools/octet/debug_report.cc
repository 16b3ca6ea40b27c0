#include "debug_report.h"

#include <algorithm>
#include <cstdio>

namespace octet::cli {

namespace {

std::string num(double v, int digits = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string pct(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * share);
  return buf;
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// The first cell of a row: a name too long for it goes on a line of its own above the row, whole
// (exporters' names differ in the middle: "/features/features.2/Relu_output_0").
std::string name_cell(const std::string& indent, const std::string& name, size_t width) {
  if (name.size() < width) return indent + pad(name, width);
  return indent + name + "\n" + indent + std::string(width, ' ');
}

// A short name cut in the middle, start and end kept.
std::string fit(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  const size_t head = (width - 3) / 2;
  return s.substr(0, head) + "..." + s.substr(s.size() - (width - 3 - head));
}

// "v" for one value, "lo..hi" over the channels.
template <class T>
std::string spread(const std::vector<T>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *lo == *hi ? num(*lo) : num(*lo, 3) + ".." + num(*hi, 3);
}

const char* short_kind(QTensorKind k) {
  return k == QTensorKind::kActivation ? "act" : k == QTensorKind::kWeight ? "w" : "b";
}

const char* short_dtype(DType t) {
  switch (t) {
    case DType::kUInt8: return "u8";
    case DType::kInt8: return "s8";
    case DType::kUInt16: return "u16";
    case DType::kInt16: return "s16";
    case DType::kInt32: return "s32";
    default: return dtype_name(t);
  }
}

}  // namespace

std::string format_qparams_table(const std::vector<QTensorReport>& reports) {
  std::string out = pad("tensor", 27) + pad("kind", 5) + pad("dtype", 6) + pad("scale", 19) + pad("zp", 8) +
                    pad("range", 23) + pad("observed", 19) + "clipped lo/hi\n";
  int counts[3] = {0, 0, 0};  // flags by severity
  for (const QTensorReport& r : reports) {
    const auto [lo, hi] = r.range_envelope();
    std::string observed, clipped;
    if (r.observed && r.observed->count > 0) {
      const ObservedRange& o = *r.observed;
      observed = "[" + num(o.min) + ", " + num(o.max) + "]";
      clipped = pct(double(o.below) / o.count) + "/" + pct(double(o.above) / o.count);
    }
    out += name_cell("", r.name, 27) + pad(short_kind(r.kind), 5) + pad(short_dtype(r.dtype), 6) +
           pad(spread(r.scale), 19) + pad(spread(r.zero_point), 8) + pad("[" + num(lo) + ", " + num(hi) + "]", 23) +
           pad(observed, 19) + clipped;
    out.erase(out.find_last_not_of(' ') + 1);  // no trailing blanks where nothing was observed
    out += "\n";
    for (const QParamsFlag& f : r.flags) {
      ++counts[static_cast<int>(f.severity)];
      out += "    " + pad(severity_name(f.severity), 8) + f.code + ": " + f.message + "\n";
    }
  }
  int kinds[3] = {0, 0, 0};
  for (const QTensorReport& r : reports) ++kinds[static_cast<int>(r.kind)];
  out += cat(reports.size(), " quantized tensors (", kinds[0], " activations, ", kinds[1], " weights, ", kinds[2],
             " biases): ", counts[2], " errors, ", counts[1], " warnings, ", counts[0], " notes\n");
  return out;
}

nlohmann::json qparams_json(const std::vector<QTensorReport>& reports) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const QTensorReport& r : reports) {
    nlohmann::json t = {
        {"name", r.name}, {"node", r.node}, {"kind", qtensor_kind_name(r.kind)}, {"dtype", dtype_name(r.dtype)},
        {"qmin", r.qmin}, {"qmax", r.qmax}};
    if (r.axis) {
      t["axis"] = *r.axis;
      t["scale"] = r.scale;
      t["zero_point"] = r.zero_point;
      nlohmann::json ranges = nlohmann::json::array();
      for (size_t c = 0; c < r.scale.size(); ++c) ranges.push_back({r.range_low(c), r.range_high(c)});
      t["range"] = ranges;
    } else {
      t["axis"] = nullptr;
      t["scale"] = r.scale[0];
      t["zero_point"] = r.zero_point[0];
      t["range"] = {r.range_low(0), r.range_high(0)};
    }
    if (r.observed && r.observed->count > 0) {
      const ObservedRange& o = *r.observed;
      t["observed"] = {{"count", o.count}, {"min", o.min}, {"max", o.max}};
      t["clipped"] = {{"low", double(o.below) / o.count}, {"high", double(o.above) / o.count}};
    } else {
      t["observed"] = nullptr;
      t["clipped"] = nullptr;
    }
    nlohmann::json flags = nlohmann::json::array();
    for (const QParamsFlag& f : r.flags) {
      nlohmann::json j = {{"code", f.code}, {"severity", severity_name(f.severity)}, {"message", f.message}};
      if (!f.channels.empty()) j["channels"] = f.channels;
      flags.push_back(j);
    }
    t["flags"] = flags;
    tensors.push_back(t);
  }
  return {{"tensors", tensors},
          {"thresholds",
           {{"channel_spread", kChannelSpreadRatio}, {"outlier", kOutlierRatio}, {"clipped", kClippedShare}}}};
}

std::string format_saturation_table(const std::vector<SaturationCount>& counts) {
  std::string out =
      cat("saturation: the share of each quantized tensor's values at the ends of its codes, worst first\n",
          "(! above ", pct(kSaturationWarnShare), "; at qmin '-' where qmin is the zero point: an exact 0)\n");
  out += "  " + pad("tensor", 54) + pad("node", 22) + pad("dtype", 6) + pad("zp", 6) + pad("values", 12) +
         pad("at qmin", 9) + "at qmax\n";
  int marked = 0;
  for (const SaturationCount& c : counts) {
    if (c.count == 0) continue;  // not computed by these runs (a branch not taken)
    const bool warn = c.qmin_share() > kSaturationWarnShare || c.qmax_share() > kSaturationWarnShare;
    marked += warn;
    out += name_cell(warn ? "! " : "  ", c.name, 54) + pad(fit(c.node, 21), 22) + pad(short_dtype(c.dtype), 6) +
           pad(std::to_string(c.zero_point), 6) + pad(std::to_string(c.count), 12) +
           pad(c.qmin_saturates ? pct(c.qmin_share()) : "-", 9) + pct(c.qmax_share()) + "\n";
  }
  out += cat(marked, " of ", counts.size(), " quantized tensors above ", pct(kSaturationWarnShare), "\n");
  return out;
}

}  // namespace octet::cli
