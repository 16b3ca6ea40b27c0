#include "ops/broadcast.h"

namespace octet {

Shape broadcast_shapes(const std::vector<const Shape*>& shapes, const std::string& who) {
  size_t rank = 0;
  for (const Shape* s : shapes) rank = std::max(rank, s->size());
  Shape out(rank, 1);
  for (const Shape* s : shapes) {
    size_t pad = rank - s->size();
    for (size_t d = 0; d < s->size(); ++d) {
      int64_t v = (*s)[d];
      int64_t& o = out[pad + d];
      if (v == o || v == 1) continue;
      if (o == 1) {
        o = v;
        continue;
      }
      std::string all;
      for (const Shape* t : shapes) all += (all.empty() ? "" : ", ") + shape_str(*t);
      fail(who, ": shapes ", all, " cannot be broadcast together");
    }
  }
  return out;
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  size_t pad = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1 && from[d] != to[pad + d]) return false;
  return true;
}

BroadcastPlan::BroadcastPlan(const Shape& out, const std::vector<const Shape*>& inputs, const std::string& who)
    : n_inputs_(static_cast<int>(inputs.size())), numel_(shape_numel(out)) {
  OCTET_CHECK(n_inputs_ <= kMaxInputs, who, ": at most ", kMaxInputs, " broadcast inputs");
  for (const Shape* s : inputs)
    OCTET_CHECK(broadcasts_to(*s, out), who, ": shape ", shape_str(*s), " does not broadcast to ", shape_str(out));

  // Per output dimension (size-1 dimensions dropped): its size and each input's element stride.
  const size_t rank = out.size();
  Shape dims;
  std::vector<std::vector<int64_t>> strides(n_inputs_);
  std::vector<int64_t> running(n_inputs_, 1);
  for (size_t r = rank; r-- > 0;) {
    if (out[r] == 1) continue;
    dims.push_back(out[r]);
    for (int k = 0; k < n_inputs_; ++k) {
      const Shape& s = *inputs[k];
      size_t pad = rank - s.size();
      int64_t in_dim = r >= pad ? s[r - pad] : 1;
      strides[k].push_back(in_dim == 1 ? 0 : running[k]);
      running[k] *= in_dim;
    }
  }
  // Merge dimension i+1 (outer) into i (inner) when every input either broadcasts both or
  // reads both contiguously (stride of the outer = stride of the inner * its size).
  Shape mdims;
  std::vector<std::vector<int64_t>> mstrides(n_inputs_);
  for (size_t i = 0; i < dims.size(); ++i) {
    bool merge = !mdims.empty();
    for (int k = 0; k < n_inputs_ && merge; ++k) {
      int64_t inner_stride = mstrides[k].back(), outer_stride = strides[k][i];
      merge = (inner_stride == 0 && outer_stride == 0) ||
              (inner_stride != 0 && outer_stride == inner_stride * mdims.back());
    }
    if (merge) {
      mdims.back() *= dims[i];
    } else {
      mdims.push_back(dims[i]);
      for (int k = 0; k < n_inputs_; ++k) mstrides[k].push_back(strides[k][i]);
    }
  }
  if (mdims.empty()) {  // every dimension is 1 (or rank 0): one element
    inner_ = 1;
    return;
  }
  // The innermost merged dimension has stride 1 or 0 for every input (input strides are dense).
  inner_ = mdims.front();
  for (int k = 0; k < n_inputs_; ++k) step_[k] = mstrides[k].front() ? 1 : 0;
  outer_.assign(mdims.rbegin(), mdims.rend() - 1);
  OCTET_CHECK(static_cast<int>(outer_.size()) <= kMaxDims, who, ": rank ", rank, " is too large to broadcast");
  for (int k = 0; k < n_inputs_; ++k) stride_[k].assign(mstrides[k].rbegin(), mstrides[k].rend() - 1);
}

}  // namespace octet
