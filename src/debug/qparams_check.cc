// QParamsCheck (include/octet/debug.h): every QuantizeLinear / DequantizeLinear of a QDQ graph
// described as the tensor it quantizes, with the findings of docs/debugging.md. The thresholds are
// there too; the channel statistics are in debug/channel_stats.h.
#include <algorithm>
#include <cmath>
#include <map>

#include "debug/channel_stats.h"
#include "debug/qdq_params.h"
#include "octet/debug.h"

namespace octet {

const char* qtensor_kind_name(QTensorKind kind) {
  switch (kind) {
    case QTensorKind::kActivation: return "activation";
    case QTensorKind::kWeight: return "weight";
    case QTensorKind::kBias: return "bias";
  }
  return "?";
}

const char* severity_name(QParamsFlag::Severity s) {
  switch (s) {
    case QParamsFlag::Severity::kInfo: return "info";
    case QParamsFlag::Severity::kWarning: return "warning";
    case QParamsFlag::Severity::kError: return "error";
  }
  return "?";
}

std::pair<double, double> QTensorReport::range_envelope() const {
  double lo = range_low(0), hi = range_high(0);
  for (size_t c = 1; c < scale.size(); ++c) {
    lo = std::min(lo, range_low(c));
    hi = std::max(hi, range_high(c));
  }
  return {lo, hi};
}

namespace {

using Severity = QParamsFlag::Severity;

std::string pct(double share) { return cat(std::round(share * 1e4) / 100, "%"); }

// A scale the arithmetic cannot use: x / scale is Inf or NaN, or (denormal) loses its precision.
void check_scales(QTensorReport& r) {
  QParamsFlag f{"bad_scale", Severity::kError, "", {}};
  for (size_t c = 0; c < r.scale.size(); ++c) {
    const double s = r.scale[c];
    const float s32 = static_cast<float>(s);
    const char* what = std::isnan(s)                          ? "NaN"
                       : std::isinf(s)                        ? "infinite"
                       : s == 0                               ? "zero"
                       : s < 0                                ? "negative"
                       : std::fpclassify(s32) == FP_SUBNORMAL ? "denormal"
                                                              : nullptr;
    if (!what) continue;
    if (f.message.empty()) f.message = cat("scale is ", what, " (", s, ")");
    if (r.axis) f.channels.push_back(static_cast<int64_t>(c));
  }
  if (f.message.empty()) return;
  if (!f.channels.empty())
    f.message += cat(" in ", f.channels.size(), " of ", r.scale.size(), " channels, first ", f.channels[0]);
  r.flags.push_back(std::move(f));
}

// Weights are quantized symmetric (DESIGN.md "Numerics"): an int8 weight's zero point is 0, and
// the int8 kernels of every runtime assume it is cheap to ignore.
void check_weight_zero_point(QTensorReport& r) {
  if (r.kind != QTensorKind::kWeight || r.dtype != DType::kInt8) return;
  QParamsFlag f{"weight_zero_point", Severity::kWarning, "", {}};
  for (size_t c = 0; c < r.zero_point.size(); ++c)
    if (r.zero_point[c] != 0) {
      if (f.message.empty()) f.message = cat("int8 weight with zero point ", r.zero_point[c], ", not 0 (symmetric)");
      if (r.axis) f.channels.push_back(static_cast<int64_t>(c));
    }
  if (!f.message.empty()) r.flags.push_back(std::move(f));
}

// With data: a zero point at an end of the code range puts that end of the real range at 0. That is
// right for data that never crosses 0 (uint8, zero point 0, after a ReLU) and wrong when the data
// does: then every value on that side is clipped to 0.
void check_observed(QTensorReport& r) {
  if (!r.observed || r.observed->count == 0) return;
  const ObservedRange& o = *r.observed;
  for (size_t c = 0; c < r.zero_point.size(); ++c) {
    if (r.zero_point[c] == r.qmin && o.below > 0) {
      r.flags.push_back({"zero_point_at_edge",
                         Severity::kWarning,
                         cat("zero point ", r.zero_point[c], " is qmin: the range starts at 0, yet ",
                             pct(double(o.below) / o.count), " of the values were below it (min ", o.min, ")"),
                         {}});
      break;
    }
    if (r.zero_point[c] == r.qmax && o.above > 0) {
      r.flags.push_back({"zero_point_at_edge",
                         Severity::kWarning,
                         cat("zero point ", r.zero_point[c], " is qmax: the range ends at 0, yet ",
                             pct(double(o.above) / o.count), " of the values were above it (max ", o.max, ")"),
                         {}});
      break;
    }
  }
  const double clipped = double(o.below + o.above) / o.count;
  if (clipped > kClippedShare)
    r.flags.push_back({"clipped",
                       Severity::kWarning,
                       cat(pct(clipped), " of the values fell outside the range (", pct(double(o.below) / o.count),
                           " low, ", pct(double(o.above) / o.count), " high)"),
                       {}});
}

// Channel statistics of a tensor, one max |x| per channel of `axis`. `per_channel`: the tensor
// is quantized along that same axis, so a channel far from the others keeps its own resolution
// and the finding is only informative.
void check_channels(QTensorReport& r, const std::vector<double>& max_abs, bool per_channel) {
  const ChannelFindings f = channel_findings(max_abs, kOutlierRatio);
  const char* where = r.kind == QTensorKind::kActivation ? "always zero on the data" : "all zero";
  if (!f.dead.empty())
    r.flags.push_back({"dead_channel", Severity::kWarning,
                       cat(f.dead.size(), " of ", max_abs.size(), " channels ", where, ", first ", f.dead[0]), f.dead});
  const Severity s = per_channel ? Severity::kInfo : Severity::kWarning;
  if (r.kind != QTensorKind::kActivation && f.spread > kChannelSpreadRatio)
    r.flags.push_back(
        {"channel_spread",
         s,
         cat("channel ranges ", std::round(f.spread), "x apart (max |w| ", f.largest, " vs ", f.smallest, ")",
             per_channel ? "; per-channel quantization keeps them apart"
                         : "; one per-tensor scale crushes the small channels"),
         {}});
  if (!f.outliers.empty())
    r.flags.push_back({"outlier_channel", s,
                       cat(f.outliers.size(), " channels above ", kOutlierRatio, "x the median channel's max |x| (",
                           f.median, "), first ", f.outliers[0], " at ", max_abs[f.outliers[0]]),
                       f.outliers});
}

// Running statistics of one QuantizeLinear's float input.
struct Accumulator {
  size_t report = 0;
  std::vector<double> channel_max;  // max |x| per channel of axis 1
};

}  // namespace

struct QParamsCheck::Impl {
  std::vector<QTensorReport> reports;
  std::map<std::string, std::vector<Accumulator>> inputs;  // a Q's float input -> its reports

  // Adds x's values to report r's observed range and, when tracked, per-channel maxima.
  void observe(QTensorReport& r, const Tensor& x, std::vector<double>* channel_max) {
    const ChannelLayout q = channel_layout(x.shape(), r.axis);
    const ChannelLayout ch = channel_layout(x.shape(), x.rank() >= 2 ? 1 : -1);
    if (channel_max && channel_max->size() != static_cast<size_t>(ch.channels)) channel_max->assign(ch.channels, 0.0);
    OCTET_CHECK(!r.axis || q.channels == static_cast<int64_t>(r.scale.size()), "node '", r.node, "': ", r.scale.size(),
                " scales for ", q.channels, " channels of '", r.name, "' ", shape_str(x.shape()));
    ObservedRange o = r.observed.value_or(ObservedRange{});
    const bool f32 = x.dtype() == DType::kFloat32;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = f32 ? x.data<float>()[i] : x.as_double(i);
      if (std::isnan(v)) continue;
      if (o.count++ == 0) o.min = o.max = v;
      o.min = std::min(o.min, v);
      o.max = std::max(o.max, v);
      const int64_t qc = q.channel_of(i);
      // Clipped: beyond the range by more than half a step, where the saturation changes the code.
      if (v < r.range_low(qc) - r.scale[qc] / 2) ++o.below;
      else if (v > r.range_high(qc) + r.scale[qc] / 2) ++o.above;
      if (channel_max) {
        double& m = (*channel_max)[ch.channel_of(i)];
        m = std::max(m, std::fabs(v));
      }
    }
    r.observed = o;
  }
};

QParamsCheck::QParamsCheck(const Graph& g) : impl_(std::make_unique<Impl>()) {
  std::map<std::string, const Node*> quantized_by;  // a QuantizeLinear's output -> the node
  for (const Node& n : g.nodes)
    if (n.domain.empty() && n.op_type == "QuantizeLinear")
      for (const auto& o : n.outputs) quantized_by[o] = &n;
  for (const Node& n : g.nodes) {
    if (!n.domain.empty() || (n.op_type != "QuantizeLinear" && n.op_type != "DequantizeLinear")) continue;
    OCTET_CHECK(n.has_input(0) && n.has_input(1), n.describe(), ": needs an input and a scale");
    const bool dq = n.op_type == "DequantizeLinear";
    if (dq && quantized_by.count(n.inputs[0])) continue;  // the QuantizeLinear's tensor, already listed
    const Tensor* constant = g.find_initializer(n.inputs[0]);
    std::optional<QdqParams> p = read_qdq_params(g, n, constant ? &constant->shape() : nullptr);
    if (!p) continue;  // qparams computed at run time, or blocked: not described here
    QTensorReport r;
    r.name = n.inputs[0];
    r.node = n.name;
    r.kind = !constant                   ? QTensorKind::kActivation
             : p->dtype == DType::kInt32 ? QTensorKind::kBias
                                         : QTensorKind::kWeight;
    r.dtype = p->dtype;
    r.axis = p->axis;
    r.scale = p->scale;
    r.zero_point = p->zero_point;
    r.qmin = p->qmin;
    r.qmax = p->qmax;
    check_scales(r);
    check_weight_zero_point(r);
    const size_t index = impl_->reports.size();
    if (r.kind == QTensorKind::kWeight && constant->rank() >= 2) {
      const int axis = r.axis ? static_cast<int>(*r.axis) : output_channel_axis(g, n);
      std::vector<double> max_abs(constant->dim(axis), 0.0);
      const ChannelLayout ch = channel_layout(constant->shape(), axis);
      if (dq) {  // int8 codes: their real values
        const ChannelLayout q = channel_layout(constant->shape(), r.axis);
        for (int64_t i = 0; i < constant->numel(); ++i) {
          const int64_t qc = q.channel_of(i);
          double& m = max_abs[ch.channel_of(i)];
          m = std::max(m, std::fabs((constant->as_int64(i) - r.zero_point[qc]) * r.scale[qc]));
        }
      } else {  // a float weight quantized in the graph: how much of it the range clips, too
        impl_->observe(r, *constant, nullptr);
        for (int64_t i = 0; i < constant->numel(); ++i) {
          double& m = max_abs[ch.channel_of(i)];
          m = std::max(m, std::fabs(constant->as_double(i)));
        }
        check_observed(r);
      }
      check_channels(r, max_abs, r.axis && *r.axis == axis);
      r.channel_max_abs = std::move(max_abs);
    } else if (r.kind == QTensorKind::kActivation && !dq) {
      impl_->inputs[n.inputs[0]].push_back({index, {}});
    }
    impl_->reports.push_back(std::move(r));
  }
}

QParamsCheck::~QParamsCheck() = default;

void QParamsCheck::attach(Executor& exec) {
  Impl* impl = impl_.get();
  exec.add_hook([impl](const Node*, const std::string& value, const Tensor& t) {
    auto it = impl->inputs.find(value);
    if (it == impl->inputs.end() ||
        (t.dtype() != DType::kFloat32 && t.dtype() != DType::kFloat16 && t.dtype() != DType::kFloat64))
      return;
    for (Accumulator& a : it->second) impl->observe(impl->reports[a.report], t, &a.channel_max);
  });
}

std::vector<QTensorReport> QParamsCheck::report() const {
  std::vector<QTensorReport> out = impl_->reports;
  for (const auto& [value, accumulators] : impl_->inputs)
    for (const Accumulator& a : accumulators) {
      QTensorReport& r = out[a.report];
      check_observed(r);
      if (a.channel_max.empty()) continue;
      check_channels(r, a.channel_max, r.axis && *r.axis == 1);
      r.channel_max_abs = a.channel_max;
    }
  return out;
}

}  // namespace octet
