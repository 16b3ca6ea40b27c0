// DATA files (src/core/samples.cc) hold samples along axis 0 (DESIGN.md "The CLI"): slicing them into batches is shared
// by evaluation, benchmarking and calibration.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "octet/tensor.h"

namespace octet {

// Samples [begin, end) along axis 0 of every tensor; octet::Error when a tensor has fewer samples.
std::map<std::string, Tensor> slice_samples(const std::map<std::string, Tensor>& data, int64_t begin, int64_t end);
// octet::Error naming `source`, the array, the sample (axis 0) and the element within it at the
// first NaN or infinity of a floating-point array: data to calibrate or train on must be finite.
void check_finite(const std::map<std::string, Tensor>& data, const std::string& source);
// The number of samples (axis 0) the tensors share; octet::Error naming `file` when they disagree.
int64_t sample_count(const std::map<std::string, Tensor>& data, const std::string& file);

}  // namespace octet
