// Multidirectional (numpy-style) broadcasting, ONNX docs/Broadcasting.md: shapes are aligned at
// their last dimension, and each dimension must be equal or 1 in every input.
//
// A BroadcastPlan walks the output in "segments": runs of contiguous output elements in which
// each input either advances with the output (step 1) or repeats one element (step 0). Adjacent
// dimensions that broadcast the same way are merged first, so the common cases become one
// segment per row: same shape (one segment), scalar operand (step 0), [B,S,384] + [384]
// (segments of 384, both steps 1) and [N,C,H,W] + [C,1,1] (segments of H*W, bias step 0).
// Kernels then run a tight, vectorizable loop per segment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet {

// The broadcast shape of `shapes`; octet::Error prefixed with `who` when they are incompatible.
Shape broadcast_shapes(const std::vector<const Shape*>& shapes, const std::string& who);

// True when `from` broadcasts to `to` without changing `to` (ONNX unidirectional broadcasting).
bool broadcasts_to(const Shape& from, const Shape& to);

class BroadcastPlan {
 public:
  static constexpr int kMaxInputs = 3;

  // Each input shape must broadcast to `out` (checked: octet::Error prefixed with `who`).
  BroadcastPlan(const Shape& out, const std::vector<const Shape*>& inputs, const std::string& who);

  int64_t numel() const { return numel_; }
  // Element step of input k inside a segment: 1 or 0.
  int64_t step(int k) const { return step_[k]; }

  // Calls fn(out_offset, in_offsets, n) for each segment covering output elements [begin, end):
  // output elements out_offset .. out_offset+n-1 read input k from in_offsets[k] on with step(k).
  template <class F>
  void for_segments(int64_t begin, int64_t end, F&& fn) const {
    if (begin >= end) return;
    const int rank = static_cast<int>(outer_.size());
    int64_t block = begin / inner_, off = begin % inner_;
    int64_t idx[kMaxDims];
    int64_t base[kMaxInputs] = {0, 0, 0};
    for (int d = rank - 1; d >= 0; --d) {
      idx[d] = block % outer_[d];
      block /= outer_[d];
      for (int k = 0; k < n_inputs_; ++k) base[k] += idx[d] * stride_[k][d];
    }
    while (begin < end) {
      int64_t n = std::min(inner_ - off, end - begin);
      int64_t in_off[kMaxInputs];
      for (int k = 0; k < n_inputs_; ++k) in_off[k] = base[k] + off * step_[k];
      fn(begin, static_cast<const int64_t*>(in_off), n);
      begin += n;
      off = 0;
      for (int d = rank - 1; d >= 0; --d) {  // odometer over the outer dimensions
        for (int k = 0; k < n_inputs_; ++k) base[k] += stride_[k][d];
        if (++idx[d] < outer_[d]) break;
        for (int k = 0; k < n_inputs_; ++k) base[k] -= stride_[k][d] * outer_[d];
        idx[d] = 0;
      }
    }
  }

 private:
  // Merged ranks never exceed the output rank; ONNX tensors in practice stay far below this.
  static constexpr int kMaxDims = 64;

  int n_inputs_ = 0;
  int64_t numel_ = 0;
  int64_t inner_ = 1;
  int64_t step_[kMaxInputs] = {0, 0, 0};
  Shape outer_;                              // merged dimensions outside the segment
  std::vector<int64_t> stride_[kMaxInputs];  // per outer dimension, element stride of input k
};

}  // namespace octet
