// TensorRT's entropy calibration (Migacz, "8-bit Inference with TensorRT", GTC 2017) on a
// histogram of magnitudes |x|: the number of bins T to keep whose clipped distribution P loses
// the least information, KL(P || Q), when quantized to `levels` steps. The definition is NVIDIA
// pytorch-quantization's (calib/histogram.py, _compute_amax_entropy); docs/static_ptq.md
// ("The entropy observer") states it as (KL).
#pragma once

#include <span>

namespace octet::quant {

// Candidates are i = start ... hist.size() kept bins (pytorch-quantization's start_bin, 128),
// quantized to `levels` steps. Returns the i of the smallest divergence, the largest such i on a
// tie (pytorch-quantization's last argmin); the whole histogram when no candidate is finite.
// O(bins * levels).
int kl_threshold_bins(std::span<const double> hist, int levels, int start = 128);

}  // namespace octet::quant
