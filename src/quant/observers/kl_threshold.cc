#include "quant/observers/kl_threshold.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "octet/error.h"

namespace octet::quant {

namespace {

double xlogx(double v) { return v > 0 ? v * std::log(v) : 0.0; }

// Prefix sums over the histogram, so one candidate costs O(levels) instead of O(bins).
struct Prefix {
  std::vector<double> mass, mass_log;
  std::vector<int> nonzero;
  explicit Prefix(std::span<const double> h) : mass(h.size() + 1), mass_log(h.size() + 1), nonzero(h.size() + 1) {
    for (size_t j = 0; j < h.size(); ++j) {
      mass[j + 1] = mass[j] + h[j];
      mass_log[j + 1] = mass_log[j] + xlogx(h[j]);
      nonzero[j + 1] = nonzero[j] + (h[j] != 0);
    }
  }
};

// KL(P || Q) for i kept bins and L levels. Bin j < i belongs to the level g with g d <= j < (g + 1) d,
// d = i / L in double: pytorch-quantization's np.digitize over np.linspace(0, i, L + 1), whose
// points are k * d, computed the same way. P: the kept bins, the clipped bins' counts added to bin
// i - 1. Q: each level's mass (without the clipped counts) spread evenly over its non-empty bins.
// With S_g and n_g a level's mass and non-empty bins, O the clipped mass and s = h_{i-1}:
//   sum p log p = sum_{j < i-1} h_j log h_j + (s + O) log(s + O)
//   sum p log q = sum_g S_g log(S_g / n_g) + O log q_{i-1}
//   KL = (sum p log p - sum p log q) / |P| - log |P| + log |Q|,  |P| = |Q| + O.
double divergence(const Prefix& pre, int i, int levels) {
  const int bins = static_cast<int>(pre.mass.size()) - 1;
  const double clipped = pre.mass[bins] - pre.mass[i];
  const double kept = pre.mass[i], last = pre.mass[i] - pre.mass[i - 1];
  if (kept <= 0) return std::numeric_limits<double>::infinity();
  const double step = double(i) / levels;
  auto level_start = [&](int g) { return g == levels ? i : std::min(i, static_cast<int>(std::ceil(g * step))); };
  double p_log_q = 0, q_last = 0;
  for (int g = 0; g < levels; ++g) {
    const int b0 = level_start(g), b1 = level_start(g + 1);
    const double mass = pre.mass[b1] - pre.mass[b0];
    const int n = pre.nonzero[b1] - pre.nonzero[b0];
    if (n == 0 || mass <= 0) continue;
    const double q = mass / n;
    p_log_q += mass * std::log(q);
    if (b1 == i) q_last = q;
  }
  if (clipped > 0) {
    // pytorch-quantization: a clipped mass landing on an empty last bin has q = 0 there.
    if (last == 0) return std::numeric_limits<double>::infinity();
    p_log_q += clipped * std::log(q_last);
  }
  const double p_log_p = pre.mass_log[i - 1] + xlogx(last + clipped);
  const double total = kept + clipped;
  return (p_log_p - p_log_q) / total - std::log(total) + std::log(kept);
}

}  // namespace

int kl_threshold_bins(std::span<const double> hist, int levels, int start) {
  const int bins = static_cast<int>(hist.size());
  OCTET_CHECK(bins > 0 && levels > 0, "kl_threshold_bins: ", bins, " bins, ", levels, " levels");
  const Prefix pre(hist);
  int best = bins;
  double best_kl = std::numeric_limits<double>::infinity();
  for (int i = std::clamp(start, 1, bins); i <= bins; ++i) {
    const double kl = divergence(pre, i, levels);
    if (kl <= best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return best;
}

}  // namespace octet::quant
