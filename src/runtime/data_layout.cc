#include "octet/data_layout.h"

#include <cstring>

#include "octet/error.h"
#include "octet/samples.h"

namespace octet {

DataLayout parse_data_layout(const std::string& name) {
  if (name == "auto") return DataLayout::kAuto;
  if (name == "batched") return DataLayout::kBatched;
  if (name == "stacked") return DataLayout::kStacked;
  fail("data layout '", name, "': expected auto, batched or stacked");
}

const char* data_layout_name(DataLayout layout) {
  switch (layout) {
    case DataLayout::kAuto: return "auto";
    case DataLayout::kBatched: return "batched";
    case DataLayout::kStacked: return "stacked";
  }
  return "?";
}

DataLayout resolve_data_layout(const Graph& g, const std::map<std::string, Tensor>& data, DataLayout requested,
                               const std::string& source) {
  bool all_batched = true, all_stacked = true, any_stacked = false, voted = false;
  std::string ranks;  // "'x' rank 3 for an input of rank 2", for the message
  for (const ValueInfo& in : g.inputs) {
    auto it = data.find(in.name);
    if (it == data.end() || !in.has_shape) continue;
    const int64_t r = static_cast<int64_t>(in.shape.size()), d = it->second.rank();
    voted = true;
    all_batched &= d == r && r >= 1;
    all_stacked &= d == r + 1;
    any_stacked |= d == r + 1;
    ranks += cat(ranks.empty() ? "" : ", ", "'", in.name, "' has rank ", d, " for an input of rank ", r);
  }
  const char* how =
      "(batched: axis 0 is the model's batch axis, same rank; stacked: axis 0 stacks whole inputs, "
      "one rank more)";
  switch (requested) {
    case DataLayout::kBatched:
      OCTET_CHECK(all_batched, source, ": the arrays are not batched model inputs: ", ranks, " ", how);
      return DataLayout::kBatched;
    case DataLayout::kStacked:
      OCTET_CHECK(all_stacked, source, ": the arrays are not stacked model inputs: ", ranks, " ", how);
      return DataLayout::kStacked;
    case DataLayout::kAuto:
      if (all_stacked && voted) return DataLayout::kStacked;
      // Arrays of the wrong shape, none stacked-like: batched, and the run names the input at fault.
      if (!any_stacked) return DataLayout::kBatched;
      fail(source, ": the arrays fit the model's inputs neither batched nor stacked (choose a DataLayout): ", ranks,
           " ", how);
  }
  return DataLayout::kBatched;
}

std::map<std::string, Tensor> sample_feeds(const std::map<std::string, Tensor>& data, DataLayout layout, int64_t begin,
                                           int64_t end) {
  OCTET_CHECK(layout != DataLayout::kAuto, "sample_feeds: resolve the data layout first");
  if (layout == DataLayout::kBatched) return slice_samples(data, begin, end);
  OCTET_CHECK(end == begin + 1, "stacked data runs one sample per call (asked for ", begin, "..", end, ")");
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : data) {
    OCTET_CHECK(t.rank() >= 1 && begin >= 0 && begin < t.dim(0), "'", name, "' has shape ", shape_str(t.shape()),
                ": no sample ", begin, " on axis 0");
    const Shape s(t.shape().begin() + 1, t.shape().end());
    Tensor sample(t.dtype(), s);
    std::memcpy(sample.raw(), static_cast<const uint8_t*>(t.raw()) + begin * sample.nbytes(), sample.nbytes());
    out[name] = sample;
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> batch_ranges(const Graph& g, DataLayout layout, int64_t samples, int64_t batch,
                                                      const std::string& source) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  if (layout == DataLayout::kStacked) {
    for (int64_t i = 0; i < samples; ++i) ranges.emplace_back(i, i + 1);
    return ranges;
  }
  int64_t fixed = -1;
  for (const ValueInfo& in : g.inputs)
    if (fixed < 0 && in.has_shape && !in.shape.empty() && in.shape[0].known()) fixed = in.shape[0].value;
  if (fixed > 0)
    OCTET_CHECK(samples >= fixed, source, ": ", samples, " samples, fewer than the model's fixed batch of ", fixed);
  const int64_t step = fixed > 0 ? fixed : std::max<int64_t>(1, batch);
  for (int64_t b = 0; b < samples; b += step) {
    const int64_t e = std::min(samples, b + step);
    if (fixed > 0 && e - b < step) break;
    ranges.emplace_back(b, e);
  }
  return ranges;
}

std::map<std::string, Tensor> stack_results(const std::vector<std::map<std::string, Tensor>>& per_sample) {
  std::map<std::string, Tensor> out;
  if (per_sample.empty()) return out;
  const int64_t n = static_cast<int64_t>(per_sample.size());
  for (const auto& [name, first] : per_sample.front()) {
    Shape s{n};
    s.insert(s.end(), first.shape().begin(), first.shape().end());
    Tensor stacked(first.dtype(), s);
    for (int64_t i = 0; i < n; ++i) {
      const Tensor& t = per_sample[i].at(name);
      OCTET_CHECK(t.dtype() == first.dtype() && t.shape() == first.shape(), "output '", name, "': sample ", i,
                  " has shape ", shape_str(t.shape()), " (", dtype_name(t.dtype()), "), sample 0 ",
                  shape_str(first.shape()), " (", dtype_name(first.dtype()), "); stacked outputs must agree");
      std::memcpy(static_cast<uint8_t*>(stacked.raw()) + i * t.nbytes(), t.raw(), t.nbytes());
    }
    out[name] = stacked;
  }
  return out;
}

}  // namespace octet
