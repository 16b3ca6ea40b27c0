// SaturationStats (include/octet/debug.h): how often each quantized tensor's codes sit at the ends
// of their dtype while a model runs. A code at qmax, or at qmin where the zero point is not qmin,
// stands for every real value beyond that end of the range: the data left the calibrated range.
#include <algorithm>

#include "debug/qdq_params.h"
#include "octet/debug.h"

namespace octet {

namespace {

// The zero points a node's output codes are read with: a QuantizeLinear's constant input, a
// lowered INT8 op's y_zero_point attribute (com.octet; sum_zero_point for an Int8Conv that adds a
// residual), or the y_zero_point input of the standard
// QLinearConv / QLinearMatMul. Empty for any other node.
std::vector<int64_t> output_zero_points(const Graph& g, const Node& n) {
  if (n.domain.empty() && n.op_type == "QuantizeLinear") {
    std::optional<QdqParams> p = read_qdq_params(g, n, nullptr);
    return p ? p->zero_point : std::vector<int64_t>{};
  }
  if (n.domain == kOctetDomain && n.has_attr("sum_zero_point")) return {n.attr_int("sum_zero_point", 0)};  // + residual
  if (n.domain == kOctetDomain && n.has_attr("y_zero_point")) return {n.attr_int("y_zero_point", 0)};
  if (n.domain.empty() && (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul") && n.has_input(7))
    if (const Tensor* zp = g.find_initializer(n.inputs[7]); zp && zp->numel() == 1) return {zp->as_int64(0)};
  return {};
}

// Counts the codes of `t` equal to qmin and to qmax.
template <class T>
void count_ends(const Tensor& t, T qmin, T qmax, int64_t* at_qmin, int64_t* at_qmax) {
  const T* p = t.data<T>();
  int64_t lo = 0, hi = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    lo += p[i] == qmin;
    hi += p[i] == qmax;
  }
  *at_qmin += lo;
  *at_qmax += hi;
}

}  // namespace

SaturationStats::SaturationStats(const Graph& g) {
  for (const Node& n : g.nodes) {
    if (n.outputs.empty() || n.outputs[0].empty()) continue;
    const std::vector<int64_t> zps = output_zero_points(g, n);
    if (zps.empty()) continue;
    SaturationCount c;
    c.name = n.outputs[0];
    c.node = n.name;
    c.zero_point = zps[0];
    index_[c.name] = counts_.size();
    counts_.push_back(c);
    zero_points_.push_back(zps);
  }
}

void SaturationStats::attach(Executor& exec) {
  exec.add_hook([this](const Node*, const std::string& value, const Tensor& t) {
    auto it = index_.find(value);
    if (it == index_.end()) return;
    SaturationCount& c = counts_[it->second];
    int64_t qmin = 0, qmax = 0;
    if (!code_range(t.dtype(), &qmin, &qmax) || t.dtype() == DType::kInt32) return;  // not codes
    c.dtype = t.dtype();
    // The zero points are those of the graph being run, in the codes' dtype: lowering rewrites an
    // int8 activation's to uint8 with its codes (s8_activations.h).
    const std::vector<int64_t>& zps = zero_points_[it->second];
    c.qmin_saturates = std::none_of(zps.begin(), zps.end(), [&](int64_t z) { return z == qmin; });
    c.count += t.numel();
    switch (t.dtype()) {
      case DType::kUInt8: return count_ends<uint8_t>(t, 0, 255, &c.at_qmin, &c.at_qmax);
      case DType::kInt8: return count_ends<int8_t>(t, -128, 127, &c.at_qmin, &c.at_qmax);
      case DType::kUInt16: return count_ends<uint16_t>(t, 0, 65535, &c.at_qmin, &c.at_qmax);
      case DType::kInt16: return count_ends<int16_t>(t, -32768, 32767, &c.at_qmin, &c.at_qmax);
      default: return;
    }
  });
}

std::vector<SaturationCount> SaturationStats::worst_first() const {
  std::vector<SaturationCount> out = counts_;
  auto worst = [](const SaturationCount& c) { return std::max(c.qmin_share(), c.qmax_share()); };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return worst(a) > worst(b); });
  return out;
}

}  // namespace octet
