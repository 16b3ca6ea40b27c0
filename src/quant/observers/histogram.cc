#include "quant/observers/histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/observers/finite_range.h"

namespace octet::quant {

namespace {

constexpr int kUpsample = 128;  // PyTorch's upsample_rate

// torch.histc's bin of v over [lo, hi] with n bins (v == hi goes to the last bin).
inline int bin_of(float v, float lo, float hi, int n) {
  if (hi <= lo) return 0;
  int b = static_cast<int>((v - lo) * n / (hi - lo));
  return std::clamp(b, 0, n - 1);
}

// Adds the bins of d[0, n) over [lo, hi] to `hist`, finite values only. Bin indices are computed a
// block at a time (a loop without stores to the histogram, which the compiler vectorizes), then
// counted into four interleaved integer tables: a run of equal values (a ReLU's zeros) then does not
// wait on one counter's previous increment.
void count_bins(const float* d, int64_t n, float lo, float hi, bool skip_nonfinite, std::vector<double>& hist) {
  const int bins = static_cast<int>(hist.size());
  constexpr int64_t kBlock = 1024;
  constexpr int64_t kFlush = int64_t{1} << 30;  // counts below 2^32 in every table
  std::vector<uint32_t> tables(4 * static_cast<size_t>(bins), 0);
  std::vector<int32_t> idx(kBlock);
  auto flush = [&] {
    for (int b = 0; b < bins; ++b) {
      hist[b] += double(tables[4 * b]) + tables[4 * b + 1] + tables[4 * b + 2] + tables[4 * b + 3];
      tables[4 * b] = tables[4 * b + 1] = tables[4 * b + 2] = tables[4 * b + 3] = 0;
    }
  };
  int64_t pending = 0;
  for (int64_t s = 0; s < n; s += kBlock) {
    const int64_t m = std::min(kBlock, n - s);
    const float* v = d + s;
    if (skip_nonfinite) {  // rare: a NaN or infinity is never converted to a bin
      for (int64_t i = 0; i < m; ++i) idx[i] = std::isfinite(v[i]) ? bin_of(v[i], lo, hi, bins) : -1;
    } else {
      for (int64_t i = 0; i < m; ++i) idx[i] = bin_of(v[i], lo, hi, bins);
    }
    int64_t i = 0;
    for (; i + 4 <= m; i += 4)
      for (int k = 0; k < 4; ++k)
        if (idx[i + k] >= 0) ++tables[4 * idx[i + k] + k];
    for (; i < m; ++i)
      if (idx[i] >= 0) ++tables[4 * idx[i]];
    if ((pending += m) >= kFlush) flush(), pending = 0;
  }
  flush();
}

}  // namespace

HistogramObserver::HistogramObserver(std::string kind, QScheme scheme, const ObserverOptions& options)
    : Observer(scheme), options_(options), kind_(std::move(kind)) {
  OCTET_CHECK(scheme_.ch_axis < 0, "observer '", kind_, "' is per tensor (ch_axis ", scheme_.ch_axis, " given)");
  OCTET_CHECK(options_.bins >= 16 && options_.bins <= (1 << 20), "observer '", kind_, "': ", options_.bins,
              " bins (16 to 2^20)");
  hist_.assign(options_.bins, 0.0);
}

void HistogramObserver::observe(const Tensor& x) {
  const float* d = float_data(x, kind_);
  const int64_t n = x.numel();
  ObserverStats before = stats_;
  FiniteRange r = scan_finite(d, n, stats_);
  if (r.empty()) return;
  const bool has_nonfinite =
      stats_.nan + stats_.pos_inf + stats_.neg_inf > before.nan + before.pos_inf + before.neg_inf;
  const int bins = options_.bins;
  // PyTorch: the batch is binned over the combined range [min(min, x_min), max(max, x_max)], the
  // old histogram moved into that range.
  const float lo = empty_ ? r.min : std::min(min_, r.min), hi = empty_ ? r.max : std::max(max_, r.max);
  std::vector<double> batch(bins, 0.0);
  count_bins(d, n, lo, hi, has_nonfinite, batch);
  if (empty_) {
    hist_ = std::move(batch);
    min_ = lo;
    max_ = hi;
    empty_ = false;
    return;
  }
  std::vector<double> old = std::move(hist_);
  const float omin = min_, omax = max_;
  hist_ = std::move(batch);
  min_ = lo;
  max_ = hi;
  combine(old, omin, omax);
}

void HistogramObserver::combine(const std::vector<double>& other, float omin, float omax) {
  const int bins = options_.bins;
  if (omin == min_ && omax == max_) {
    for (int b = 0; b < bins; ++b) hist_[b] += other[b];
    return;
  }
  if (omin == omax) {  // all of `other` sits at one value
    double total = 0;
    for (double c : other) total += c;
    hist_[bin_of(omin, min_, max_, bins)] += total;
    return;
  }
  // Split each bin of `other` into kUpsample equal parts and move each part by its midpoint.
  const double src_width = (double(omax) - omin) / (double(bins) * kUpsample);
  const double dst_scale = bins / (double(max_) - min_);
  for (int b = 0; b < bins; ++b) {
    if (other[b] == 0) continue;
    const double part = other[b] / kUpsample;
    for (int k = 0; k < kUpsample; ++k) {
      const double mid = omin + (double(b) * kUpsample + k + 0.5) * src_width;
      int dst = static_cast<int>(std::floor((mid - min_) * dst_scale));
      hist_[std::clamp(dst, 0, bins - 1)] += part;
    }
  }
}

double histogram_l2_error(const std::vector<double>& hist, float min, float max, int start_bin, int end_bin,
                          int dst_bins) {
  const int bins = static_cast<int>(hist.size());
  const double bin_width = (double(max) - min) / bins;
  const double dst_width = bin_width * (end_bin - start_bin + 1) / dst_bins;
  if (dst_width == 0.0) return 0.0;
  // The squared error of a uniform density over [a, b] measured from a bin center: (b^3 - a^3) / 3.
  auto norm = [](double a, double b, double density) { return density * (b * b * b - a * a * a) / 3; };
  double total = 0;
  for (int s = 0; s < bins; ++s) {
    if (hist[s] == 0) continue;
    const double density = hist[s] / bin_width;
    const double begin = (s - start_bin) * bin_width, end = begin + bin_width;
    const double dst_begin = std::clamp(std::floor(begin / dst_width), 0.0, dst_bins - 1.0);
    const double dst_end = std::clamp(std::floor(end / dst_width), 0.0, dst_bins - 1.0);
    const double begin_center = (dst_begin + 0.5) * dst_width;
    total += norm(begin - begin_center, dst_width / 2, density);
    total += (dst_end - dst_begin - 1) * norm(-dst_width / 2, dst_width / 2, density);
    const double end_center = dst_end * dst_width + dst_width / 2;
    total += norm(-dst_width / 2, end - end_center, density);
  }
  return total;
}

// PyTorch's _non_linear_param_search: shrink [start_bin, end_bin] from the side holding less
// mass, in quantile steps of 1e-5, while the L2 quantization error keeps falling.
HistogramObserver::Range HistogramObserver::choose_range() const {
  const int bins = static_cast<int>(hist_.size());
  const double bin_width = (double(max_) - min_) / bins;
  std::vector<double> csum(bins);
  double total = 0;
  for (int b = 0; b < bins; ++b) csum[b] = total += hist_[b];
  const int dst_bins = 256;  // 2^bits of the 8-bit type, as PyTorch's dst_nbins
  const double step = 1e-5;
  double alpha = 0, beta = 1, norm_min = std::numeric_limits<double>::infinity();
  int start = 0, end = bins - 1;
  while (alpha < beta) {
    const double next_alpha = alpha + step, next_beta = beta - step;
    int l = start, r = end;
    while (l < end && csum[l] < next_alpha * total) ++l;
    while (r > start && csum[r] > next_beta * total) --r;
    int next_start = start, next_end = end;
    if (l - start > end - r) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start && next_end == end) continue;
    const double norm = histogram_l2_error(hist_, min_, max_, next_start, next_end, dst_bins);
    if (norm > norm_min) break;
    norm_min = norm;
    start = next_start;
    end = next_end;
  }
  return {static_cast<float>(min_ + bin_width * start), static_cast<float>(min_ + bin_width * (end + 1))};
}

TensorQParams HistogramObserver::calculate_qparams() const {
  OCTET_CHECK(!empty_, "observer '", kind_, "' saw no finite value");
  if (min_ == max_) {
    float v[1] = {min_};
    return qparams_from_range(v, v, scheme_);
  }
  Range r = choose_range();
  float lo[1] = {r.min}, hi[1] = {r.max};
  return qparams_from_range(lo, hi, scheme_);
}

// Exact when both saw the same range (counts add); otherwise the same re-binning a new batch gets.
void HistogramObserver::merge(const Observer& other) {
  const auto* o = dynamic_cast<const HistogramObserver*>(&other);
  OCTET_CHECK(o && o->kind_ == kind_ && o->scheme_.to_json() == scheme_.to_json() && o->hist_.size() == hist_.size(),
              "cannot merge observer '", other.kind(), "' into '", kind_, "' (kinds, schemes or bins differ)");
  stats_.finite += o->stats_.finite;
  stats_.nan += o->stats_.nan;
  stats_.pos_inf += o->stats_.pos_inf;
  stats_.neg_inf += o->stats_.neg_inf;
  if (o->empty_) return;
  if (empty_) {
    hist_ = o->hist_;
    min_ = o->min_;
    max_ = o->max_;
    empty_ = false;
    return;
  }
  // Widen this histogram to the union first (moving its own bins), then add the other's.
  const float lo = std::min(min_, o->min_), hi = std::max(max_, o->max_);
  if (lo != min_ || hi != max_) {
    std::vector<double> mine = std::move(hist_);
    const float mmin = min_, mmax = max_;
    hist_.assign(mine.size(), 0.0);
    min_ = lo;
    max_ = hi;
    combine(mine, mmin, mmax);
  }
  combine(o->hist_, o->min_, o->max_);
}

nlohmann::json HistogramObserver::to_json() const {
  nlohmann::json j = {{"kind", kind_},
                      {"scheme", scheme_.to_json()},
                      {"stats", stats_.to_json()},
                      {"bins", options_.bins},
                      {"percentile", options_.percentile},
                      {"empty", empty_},
                      {"min", double(min_)},
                      {"max", double(max_)},
                      {"histogram", hist_}};
  return j;
}

std::unique_ptr<HistogramObserver> HistogramObserver::from_json(const nlohmann::json& j) {
  ObserverOptions opt;
  opt.bins = j.at("bins").get<int>();
  opt.percentile = j.at("percentile").get<double>();
  const std::string kind = j.at("kind").get<std::string>();
  QScheme scheme = QScheme::from_json(j.at("scheme"));
  std::unique_ptr<Observer> base = kind == "percentile" ? make_percentile_observer(scheme, opt)
                                   : kind == "entropy"  ? make_entropy_observer(scheme, opt)
                                   : kind == "mse"      ? make_mse_observer(scheme, opt)
                                                        : std::make_unique<HistogramObserver>(kind, scheme, opt);
  std::unique_ptr<HistogramObserver> o(static_cast<HistogramObserver*>(base.release()));
  o->empty_ = j.at("empty").get<bool>();
  o->min_ = static_cast<float>(j.at("min").get<double>());
  o->max_ = static_cast<float>(j.at("max").get<double>());
  o->hist_ = j.at("histogram").get<std::vector<double>>();
  OCTET_CHECK(static_cast<int>(o->hist_.size()) == opt.bins, "observer '", kind, "': saved histogram has ",
              o->hist_.size(), " bins, not ", opt.bins);
  o->stats_ = ObserverStats::from_json(j.at("stats"));
  return o;
}

const std::vector<std::string>& histogram_range_rules() {
  static const std::vector<std::string> rules = {"histogram", "entropy", "mse", "percentile"};
  return rules;
}

bool is_histogram_range_rule(const std::string& kind) {
  const auto& rules = histogram_range_rules();
  return std::find(rules.begin(), rules.end(), kind) != rules.end();
}

}  // namespace octet::quant
