// MinMaxObserver, MovingAverageMinMaxObserver and their per-channel forms (PyTorch's classes of
// the same names): one class, because they differ only in how a batch's min/max updates the state.
#include "quant/observers/minmax.h"

#include <algorithm>

#include "quant/observers/finite_range.h"

namespace octet::quant {

MinMaxObserver::MinMaxObserver(std::string kind, QScheme scheme, float averaging_constant)
    : Observer(scheme), kind_(std::move(kind)), averaging_(averaging_constant) {
  const bool per_channel_kind = kind_.find("per_channel") != std::string::npos;
  if (per_channel_kind && scheme_.ch_axis < 0) scheme_.ch_axis = 0;  // PyTorch's default ch_axis
  OCTET_CHECK(per_channel_kind || scheme_.ch_axis < 0, "observer '", kind_,
              "' is per tensor; use per_channel_minmax for ch_axis ", scheme_.ch_axis);
  OCTET_CHECK(averaging_ > 0 && averaging_ <= 1, "observer '", kind_, "': averaging_constant ", averaging_,
              " is not in (0, 1]");
}

void MinMaxObserver::observe(const Tensor& x) {
  const float* d = float_data(x, kind_);
  int64_t channels = 1, inner = x.numel();
  if (scheme_.ch_axis >= 0) {
    OCTET_CHECK(scheme_.ch_axis < x.rank(), "observer '", kind_, "': ch_axis ", scheme_.ch_axis, " of a rank-",
                x.rank(), " value");
    channels = x.dim(scheme_.ch_axis);
    inner = 1;
    for (int a = scheme_.ch_axis + 1; a < x.rank(); ++a) inner *= x.dim(a);
  }
  if (min_.empty()) {
    min_.assign(channels, 0.0f);
    max_.assign(channels, 0.0f);
    seen_.assign(channels, false);
  }
  OCTET_CHECK(static_cast<int64_t>(min_.size()) == channels, "observer '", kind_, "': ", channels, " channels after ",
              min_.size());
  std::vector<FiniteRange> batch(channels);
  const int64_t outer = channels * inner != 0 ? x.numel() / (channels * inner) : 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      FiniteRange r = scan_finite(d + (o * channels + c) * inner, inner, stats_);
      batch[c].min = std::min(batch[c].min, r.min);
      batch[c].max = std::max(batch[c].max, r.max);
    }
  for (int64_t c = 0; c < channels; ++c) {
    if (batch[c].empty()) continue;
    if (!seen_[c]) {
      min_[c] = batch[c].min;
      max_[c] = batch[c].max;
      seen_[c] = true;
    } else if (averaging_ == 1) {
      min_[c] = std::min(min_[c], batch[c].min);
      max_[c] = std::max(max_[c], batch[c].max);
    } else {  // MovingAverageMinMaxObserver: min += c * (batch_min - min)
      min_[c] = min_[c] + averaging_ * (batch[c].min - min_[c]);
      max_[c] = max_[c] + averaging_ * (batch[c].max - max_[c]);
    }
  }
}

TensorQParams MinMaxObserver::calculate_qparams() const {
  OCTET_CHECK(!seen_.empty() && std::all_of(seen_.begin(), seen_.end(), [](bool s) { return s; }), "observer '", kind_,
              "' saw no finite value", seen_.size() > 1 ? " in some channel" : "");
  return qparams_from_range(min_, max_, scheme_);
}

// Min/max states combine exactly. Moving averages have no exact combination; merging takes the
// union of the two ranges (as if the other observer's range were one more plain min/max batch).
void MinMaxObserver::merge(const Observer& other) {
  const auto* o = dynamic_cast<const MinMaxObserver*>(&other);
  OCTET_CHECK(o && o->kind_ == kind_ && o->scheme_.to_json() == scheme_.to_json(), "cannot merge observer '",
              other.kind(), "' into '", kind_, "' (kinds or schemes differ)");
  if (o->min_.empty()) return;
  if (min_.empty()) {
    min_ = o->min_;
    max_ = o->max_;
    seen_ = o->seen_;
  } else {
    OCTET_CHECK(min_.size() == o->min_.size(), "cannot merge observers of ", min_.size(), " and ", o->min_.size(),
                " channels");
    for (size_t c = 0; c < min_.size(); ++c) {
      if (!o->seen_[c]) continue;
      min_[c] = seen_[c] ? std::min(min_[c], o->min_[c]) : o->min_[c];
      max_[c] = seen_[c] ? std::max(max_[c], o->max_[c]) : o->max_[c];
      seen_[c] = true;
    }
  }
  stats_.finite += o->stats_.finite;
  stats_.nan += o->stats_.nan;
  stats_.pos_inf += o->stats_.pos_inf;
  stats_.neg_inf += o->stats_.neg_inf;
}

nlohmann::json MinMaxObserver::to_json() const {
  std::vector<double> lo(min_.begin(), min_.end()), hi(max_.begin(), max_.end());
  return {{"kind", kind_},
          {"scheme", scheme_.to_json()},
          {"stats", stats_.to_json()},
          {"averaging_constant", averaging_},
          {"min", lo},
          {"max", hi},
          {"seen", seen_}};
}

std::unique_ptr<MinMaxObserver> MinMaxObserver::from_json(const nlohmann::json& j) {
  auto o = std::make_unique<MinMaxObserver>(j.at("kind").get<std::string>(), QScheme::from_json(j.at("scheme")),
                                            j.at("averaging_constant").get<float>());
  for (double v : j.at("min")) o->min_.push_back(static_cast<float>(v));
  for (double v : j.at("max")) o->max_.push_back(static_cast<float>(v));
  o->seen_ = j.at("seen").get<std::vector<bool>>();
  OCTET_CHECK(o->min_.size() == o->max_.size() && o->min_.size() == o->seen_.size(), "observer '", o->kind_,
              "': saved min, max and seen differ in length");
  o->stats_ = ObserverStats::from_json(j.at("stats"));
  return o;
}

}  // namespace octet::quant
