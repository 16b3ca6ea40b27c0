// How the arrays of a DATA file (.npz keyed by input name, or .npy) map onto model calls. Axis 0
// of every array indexes samples, in one of two layouts:
//   batched: axis 0 is the model's own batch axis; samples [b, e) are one call on the slices.
//   stacked: axis 0 stacks whole model inputs, one call per sample on array[i], for models whose
//            inputs have no batch axis (a scalar sample rate, an RNN state batched on axis 1).
// Auto picks the layout the model's declared input ranks allow: rank r + 1 arrays for every
// declared rank-r input are stacked; a mix of stacked-like and other ranks is an error asking for
// the layout; anything else is batched (a wrong shape is then the run's error, naming the input).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

enum class DataLayout { kAuto, kBatched, kStacked };

DataLayout parse_data_layout(const std::string& name);  // "auto", "batched", "stacked"
const char* data_layout_name(DataLayout layout);

// The layout of `data` for `g` (`requested`, or the one the ranks allow when kAuto); octet::Error
// naming `source` and the arrays when the ranks contradict a requested layout or mix both. Arrays
// for inputs without a declared shape do not vote; with no vote at all, auto is batched.
DataLayout resolve_data_layout(const Graph& g, const std::map<std::string, Tensor>& data, DataLayout requested,
                               const std::string& source);

// The model feeds for samples [begin, end): batched slices axis 0; stacked takes sample `begin`
// (end must be begin + 1) without its axis 0.
std::map<std::string, Tensor> sample_feeds(const std::map<std::string, Tensor>& data, DataLayout layout, int64_t begin,
                                           int64_t end);

// The per-sample results of stacked calls, stacked along a new axis 0 (run's output for stacked
// data); octet::Error naming the output when the samples' shapes or dtypes differ.
// The [begin, end) sample ranges a model runs `samples` samples in: one sample each for stacked
// data; else batches of `batch`, or of the model's fixed leading dim when its inputs fix one (a
// model exported with batch 1), the last partial batch then dropped (it would not fit). octet::Error
// naming `source` when the samples do not fill one fixed batch.
std::vector<std::pair<int64_t, int64_t>> batch_ranges(const Graph& g, DataLayout layout, int64_t samples, int64_t batch,
                                                      const std::string& source);

std::map<std::string, Tensor> stack_results(const std::vector<std::map<std::string, Tensor>>& per_sample);

}  // namespace octet
