#include "debug/weight_error.h"

#include <algorithm>

#include "debug/error_stats.h"
#include "octet/error.h"
#include "quant/weight_quant.h"

namespace octet {

WeightError weight_error(const Graph& quantized, const Node& dq, const Node& reader, const Tensor& float_weight) {
  const std::string& name = dq.inputs[0];
  const Tensor* q = quantized.find_initializer(name);
  const Tensor* scale = dq.has_input(1) ? quantized.find_initializer(dq.inputs[1]) : nullptr;
  const Tensor* zp = dq.has_input(2) ? quantized.find_initializer(dq.inputs[2]) : nullptr;
  OCTET_CHECK(q && scale, dq.describe(), ": weight '", name, "' or its scale is not a constant");
  OCTET_CHECK(q->shape() == float_weight.shape() && float_weight.dtype() == DType::kFloat32 && q->rank() > 0,
              "weight '", name, "' ", shape_str(q->shape()), " does not match the float model's ",
              shape_str(float_weight.shape()));
  WeightError w;
  w.name = name;
  const bool per_channel = scale->numel() > 1;
  // Per tensor: the channels are the reader's output channels (0 for an op with no such rule).
  int axis = per_channel ? static_cast<int>(dq.attr_int("axis", 1))
                         : std::max(0, quant::weight_channel_axis(reader, q->rank()));
  if (axis < 0) axis += q->rank();
  OCTET_CHECK(axis >= 0 && axis < q->rank(), dq.describe(), ": axis out of range for weight '", name, "'");
  const int64_t channels = q->dim(axis);
  OCTET_CHECK(!per_channel || scale->numel() == channels, dq.describe(), ": ", scale->numel(), " scales for ", channels,
              " channels of weight '", name, "' (blocked quantization is not compared)");
  OCTET_CHECK(!zp || zp->numel() == scale->numel(), dq.describe(), ": zero point and scale sizes differ");
  int64_t inner = 1;
  for (int d = axis + 1; d < q->rank(); ++d) inner *= q->dim(d);
  const float* ref = float_weight.data<float>();
  std::vector<double> signal(channels, 0), noise(channels, 0);
  for (int64_t i = 0; i < q->numel(); ++i) {
    const int64_t c = (i / inner) % channels, p = per_channel ? c : 0;
    const double deq = (q->as_double(i) - (zp ? zp->as_double(p) : 0.0)) * scale->as_double(p);
    const double e = ref[i] - deq;
    signal[c] += static_cast<double>(ref[i]) * ref[i];
    noise[c] += e * e;
  }
  double total_signal = 0, total_noise = 0;
  w.axis = axis;
  for (int64_t c = 0; c < channels; ++c) {
    total_signal += signal[c];
    total_noise += noise[c];
    w.channel_sqnr_db.push_back(sqnr_db(signal[c], noise[c]));
    if (w.channel_sqnr_db[c] < w.channel_sqnr_db[w.worst_channel]) w.worst_channel = c;
  }
  w.sqnr_db = sqnr_db(total_signal, total_noise);
  return w;
}

}  // namespace octet
